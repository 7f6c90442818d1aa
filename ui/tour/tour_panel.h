#pragma once
// The Tour tab (issue 10, item 4): a teaching demo of the curse of depth that needs no files
// of the user's. Each step (ui/tour/tour_step.h; one file per step under ui/tour/steps/, listed
// in steps/tour_steps.cpp) is a short paragraph and a live figure; this panel lays them out as
// pages and keeps the navigation and presenter mode only:
//   Next / Back / Restart (Right or PgDown, Left or PgUp, Home), presenter mode with large
//   fonts (F5; Esc leaves it). The keys are the tour's while it is shown (it takes the focus)
//   and only then; an open menu keeps them. A step's work starts when it is first shown; Restart stops everything and
//   clears the figures; leaving the tour (hiding it) stops the live training.
//
// Register with MainWindow::add_tab(new TourPanel, "Tour", "tab_tour").
#include <map>
#include <memory>
#include <vector>

#include <QString>
#include <QWidget>

#include "ui/tour/tour_step.h"

#include "core/model/config.h"

class QCPBars;
class QCPGraph;
class QLabel;
class QPushButton;
class QStackedWidget;

namespace depthscope::ui {

class Chart;
class ExampleStatistics;
class LiveTrainingStep;
class TourStep;

class TourPanel : public QWidget {
  Q_OBJECT
 public:
  explicit TourPanel(QWidget* parent = nullptr);
  ~TourPanel() override;  // cancels every computation, stops the live training jobs

  int step() const { return step_; }  // 1..step_count()
  int step_count() const { return static_cast<int>(steps_.size()); }
  bool presenter_mode() const { return presenter_; }
  // The step objects (1-based), for tests and the main window.
  TourStep* step_at(int step) const;

  // The step of type S (a class of ui/tour/steps/), null when the tour has none: its figure,
  // graphs and state, for tests and screenshots; step<LiveTrainingStep>() sets the live
  // training's depthscope-cli and length.
  template <class S>
  S* step() const {
    for (const auto& s : steps_)
      if (auto* found = dynamic_cast<S*>(s.get())) return found;
    return nullptr;
  }
  // A step's figure has all its data (2, 4, 5: the computation finished without error).
  bool step_done(int step) const;
  // The error or missing-file message a step shows ("" when none).
  QString step_error(int step) const;

 public slots:
  void go_to(int step);  // clamped to 1..step_count(); starts the step's work the first time
  void next();
  void back();
  void restart();  // stops everything, clears the figures, step 1
  void set_presenter_mode(bool on);

 signals:
  void step_changed(int step);
  void step_finished(int step);  // a step's computation ended (done or failed)
  // Presenter mode went on or off: the main window fills the screen with the tour (docks,
  // menu and status bar hidden) and restores its layout after.
  void presenter_mode_changed(bool on);
  void log(const QString& message);

 protected:
  void hideEvent(QHideEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  QWidget* make_page(int step, TourStep* s);
  void update_nav();
  void apply_fonts();

  int step_ = 1;
  bool presenter_ = false;
  ExampleStatistics* examples_;
  std::vector<std::unique_ptr<TourStep>> steps_;

  QStackedWidget* stack_ = nullptr;
  QLabel* header_ = nullptr;
  QLabel* dots_ = nullptr;
  QPushButton* back_button_ = nullptr;
  QPushButton* next_button_ = nullptr;
  QPushButton* restart_button_ = nullptr;
  QPushButton* presenter_button_ = nullptr;
  std::vector<QLabel*> texts_;  // one paragraph per step
  std::vector<QLabel*> notes_;  // one summary line per step (results, errors)
  std::map<int, bool> started_;
  std::map<int, bool> done_;
  std::map<int, QString> errors_;
};

}  // namespace depthscope::ui
