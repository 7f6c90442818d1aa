#include "ui/tour/steps/residual_stream_step.h"

#include <QHBoxLayout>
#include <QWidget>

#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/tour/example_statistics.h"
#include "ui/tour/residual_diagram.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {

ResidualStreamStep::ResidualStreamStep(ExampleStatistics* examples, QObject* parent)
    : TourStep(parent), examples_(examples) {}

QString ResidualStreamStep::text() const {
  return "A transformer carries one vector per token, the <b>residual stream</b> x. Block l reads a "
         "normalised copy, computes an update F and <i>adds</i> it: x<sub>l+1</sub> = x<sub>l</sub> + "
         "F(LN(x<sub>l</sub>)). Nothing is overwritten, so the stream only accumulates, and a block whose "
         "update is small next to the stream barely changes it. The chart measures this for the two trained "
         "example models (24 layers): the size of each block's update relative to the stream it is added to.";
}

QWidget* ResidualStreamStep::make_figure() {
  auto* w = new QWidget;
  diagram_ = new ResidualDiagram;
  chart_ = track(new Chart("tour-block-updates"));
  chart_->set_title("How much each block adds, relative to the stream",
                    "trained example models · mean over tokens of ‖F(x)‖ / ‖x‖ (attention + MLP)");
  chart_->set_axis_labels("layer l", "‖update‖ / ‖stream‖  (log scale)");
  chart_->set_log_y(true);
  chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  for (NormScheme s : kTourSchemes) graphs_[s] = chart_->add_line_series(scheme_label(s) + " (trained)", scheme_color(s));
  chart_->set_message("Loading the example models…");
  auto* layout = new QHBoxLayout(w);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(diagram_, 5);
  layout->addWidget(chart_, 4);

  connect(examples_, &ExampleStatistics::started, this, [this] { chart_->set_message(QString()); });
  connect(examples_, &ExampleStatistics::trained_layer, this, [this](NormScheme s, double l, double, double u) {
    graphs_.at(s)->addData(l, u);
  });
  connect(examples_, &ExampleStatistics::updated, this, [this] {
    chart_->fit_to_data();
    update_summary();
  });
  connect(examples_, &ExampleStatistics::finished, this, [this] {
    update_summary();
    emit finished();
  });
  connect(examples_, &ExampleStatistics::failed, this, [this](const QString& m) {
    chart_->set_message(m);
    emit failed(m);
  });
  return w;
}

void ResidualStreamStep::start() { examples_->start(); }

void ResidualStreamStep::clear() {
  TourStep::clear();
  for (auto& [s, g] : graphs_) g->data()->clear();
  chart_->set_message("Loading the example models…");
  chart_->replot(QCustomPlot::rpQueuedReplot);
}

void ResidualStreamStep::set_scale(double scale) {
  TourStep::set_scale(scale);
  diagram_->set_font_scale(scale);
}

void ResidualStreamStep::update_summary() {
  const QCPGraph* sp = graphs_.at(NormScheme::pre);
  const QCPGraph* sl = graphs_.at(NormScheme::lns);
  if (sp->data()->size() < 2 || sl->data()->size() != sp->data()->size()) return;
  set_summary(QString("Update size at layer 1 → layer %1: %2 %3 → %4 &nbsp;&nbsp; %5 %6 → %7")
                  .arg(static_cast<int>((sp->data()->constEnd() - 1)->key))
                  .arg(scheme_html(NormScheme::pre))
                  .arg(sp->data()->constBegin()->value, 0, 'f', 2)
                  .arg((sp->data()->constEnd() - 1)->value, 0, 'f', 2)
                  .arg(scheme_html(NormScheme::lns))
                  .arg(sl->data()->constBegin()->value, 0, 'f', 2)
                  .arg((sl->data()->constEnd() - 1)->value, 0, 'f', 2));
}

}  // namespace depthscope::ui
