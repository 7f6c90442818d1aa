// MainWindow's screenshot (`depthscope --screenshot FILE [--tab NAME]`): once everything
// started has finished, the window is rendered to a PNG.
#include <QFileInfo>
#include <QPixmap>
#include <QTabWidget>
#include <QTimer>

#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_panel.h"
#include "ui/glance/depth_glance_panel.h"
#include "ui/inspect/inspect_panel.h"
#include "ui/shared/background_task.h"
#include "ui/shared/chart.h"
#include "ui/shell/checkpoint_opener.h"
#include "ui/shell/main_window.h"
#include "ui/shell/window_runs.h"
#include "ui/tour/steps/live_training_step.h"
#include "ui/tour/tour_panel.h"
#include "ui/train/train_panel.h"

namespace depthscope::ui {

bool MainWindow::write_screenshot(const QString& path, QString* error) {
  const QPixmap shot = grab();
  if (shot.isNull() || !shot.save(path, "PNG")) {
    if (error) *error = QString("Cannot write the screenshot to %1: check that the folder exists and is writable.").arg(path);
    return false;
  }
  return true;
}

void MainWindow::screenshot_when_ready(const QString& path, const QString& tab) {
  // The Model and Inspect tabs appear once a checkpoint given on the command line has loaded,
  // so a tab that is not there yet is looked for again when the work is done.
  if (!tab.isEmpty() && !select_tab(tab) && !parts_.opener->loading()) {
    QTimer::singleShot(0, this, [this, tab] {
      emit screenshot_written(false, QString("there is no tab '%1' (tabs: %2)").arg(tab, tab_names().join(", ")));
    });
    return;
  }
  // Waits for everything started so far: the default panel, a checkpoint given on the command
  // line, the Inspect analysis that follows it, and the checkpoints added to Compare. Polled, so no completion can be missed.
  auto* poll = new QTimer(this);
  poll->setInterval(100);
  connect(poll, &QTimer::timeout, this, [this, poll, path, tab] {
    if (!tab.isEmpty() && parts_.tabs->currentWidget()->objectName() != "tab_" + tab && parts_.tabs->currentWidget()->objectName() != tab)
      select_tab(tab);  // the tab may have appeared since (a checkpoint loaded)
    const bool glance_busy = parts_.depth_glance->running() ||
        (parts_.depth_glance->graph(parts_.depth_glance->schemes().front())->data()->isEmpty() &&
         parts_.depth_glance->chart()->message().isEmpty());
    const bool train_busy = parts_.tabs->currentWidget() == parts_.train && !parts_.run_database->database().isEmpty() &&
                            (!parts_.train->has_data() || parts_.train->replot_pending());
    // The Tour's shown step has filled its figure (step 6 trains only on Start).
    const TourPanel* tour = parts_.tour;
    const bool tour_busy = parts_.tabs->currentWidget() == tour &&
                           tour->step_at(tour->step()) != tour->step<LiveTrainingStep>() &&
                           !tour->step_done(tour->step()) && tour->step_error(tour->step()).isEmpty();
    // Checkpoints added to Compare (--compare-checkpoints) are analysed to the end.
    const bool compare_busy = parts_.compare->checkpoints()->busy();
    const bool busy = glance_busy || train_busy || tour_busy || compare_busy || parts_.opener->loading() ||
                      (inspect_ && inspect_->running());
    if (busy) return;
    poll->stop();
    poll->deleteLater();
    if (!tab.isEmpty() && !select_tab(tab)) {
      emit screenshot_written(false, QString("there is no tab '%1' (tabs: %2)").arg(tab, tab_names().join(", ")));
      return;
    }
    // One more event-loop turn so the last replot and the status texts are painted.
    QTimer::singleShot(250, this, [this, path] {
      QString error;
      const bool ok = write_screenshot(path, &error);
      emit screenshot_written(ok, ok ? path : error);
    });
  });
  poll->start();
}

}  // namespace depthscope::ui
