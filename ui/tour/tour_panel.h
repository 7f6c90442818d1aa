#pragma once
// The Tour tab (issue 10, item 4): a seven-step teaching demo of the curse of depth that
// needs no files of the user's. Each step is a short paragraph and a live figure:
//   1 the residual stream and what a block adds (diagram + update sizes of the Pre-LN example)
//   2 variance at initialisation, Pre-LN vs LNS (variance_at_init, both curves fill in)
//   3 what LNS changes: the formula and the one line of code
//   4 variance after training: the two example models (resources/examples)
//   5 removing layers: ΔPPL per bypassed layer for each example (bars fill in)
//   6 a tiny pair trained live: two depthscope-cli processes (core/jobs) into a temporary run
//     database, read with metric_reader cursors; started by a button, stopped when the tour
//     is left (hidden), restarted or closed
//   7 summary with the paper's numbers (docs/paper.md)
// Next / Back / Restart (Right or PgDown, Left or PgUp, Home), presenter mode with large fonts
// (F5). All computing runs on TaskRunner threads; a step's work starts when it is first shown.
//
// Register with MainWindow::add_tab(new TourPanel, "Tour", "tab_tour").
#include <map>
#include <memory>
#include <vector>

#include <QString>
#include <QStringList>
#include <QWidget>

#include "core/model/config.h"

class QCPBars;
class QCPGraph;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTemporaryDir;
class QToolButton;

namespace depthscope::ui {

class Chart;
class ResidualDiagram;
class TaskRunner;

class TourPanel : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kSteps = 7;

  explicit TourPanel(QWidget* parent = nullptr);
  ~TourPanel() override;  // cancels every computation, stops the live training jobs

  int step() const { return step_; }  // 1..kSteps
  int step_count() const { return kSteps; }
  QString step_title(int step) const;
  bool presenter_mode() const { return presenter_; }

  // depthscope-cli for the live training (step 6). Default: the one beside this executable.
  void set_cli_path(const QString& path) { cli_path_ = path; }
  QString cli_path() const { return cli_path_; }
  // Live training settings (tests shorten them).
  void set_live_steps(int steps) { live_steps_ = steps; }

  // --- for tests and screenshots ------------------------------------------------------
  Chart* stream_chart() const { return stream_chart_; }   // step 1
  Chart* init_chart() const { return init_chart_; }       // step 2
  Chart* trained_chart() const { return trained_chart_; } // step 4
  Chart* removal_chart() const { return removal_chart_; } // step 5
  Chart* live_loss_chart() const { return live_loss_chart_; }          // step 6
  Chart* live_variance_chart() const { return live_variance_chart_; }  // step 6
  QCPGraph* init_graph(NormScheme s) const;
  QCPGraph* trained_graph(NormScheme s) const;   // the trained example of scheme s
  QCPBars* removal_bars(NormScheme s) const;
  QCPGraph* live_loss_graph(NormScheme s) const;
  // A step's figure has all its data (2, 4, 5: the computation finished without error).
  bool step_done(int step) const;
  // The error or missing-file message a step shows ("" when none).
  QString step_error(int step) const;
  bool live_training() const;  // step 6's jobs are being followed
  QString live_database() const;  // the temporary run database ("" before Start)

 public slots:
  void go_to(int step);  // clamped to 1..kSteps; starts the step's work the first time
  void next();
  void back();
  void restart();        // stops everything, clears the figures, step 1
  void set_presenter_mode(bool on);
  void toggle_presenter_mode() { set_presenter_mode(!presenter_); }
  void start_live_training();
  void stop_live_training();

 signals:
  void step_changed(int step);
  void step_finished(int step);  // a step's computation ended (done or failed)
  void log(const QString& message);

 protected:
  void hideEvent(QHideEvent* event) override;

 private:
  QWidget* make_page(int step, QWidget* figure, const QString& text);
  QWidget* make_stream_figure();
  QWidget* make_init_figure();
  QWidget* make_lns_figure();
  QWidget* make_trained_figure();
  QWidget* make_removal_figure();
  QWidget* make_live_figure();
  QWidget* make_summary_figure();
  void start_step_work(int step);
  void start_init();
  void start_examples();
  void start_removal();
  void clear_figures();
  void update_nav();
  void apply_fonts();
  void set_step_error(int step, const QString& message);
  void finish_step(int step);
  void update_trained_summary();
  void update_removal_summary();
  void add_live_rows(int run, const QString& key, const std::vector<std::pair<double, double>>& points);
  void set_live_status(const QString& text);

  int step_ = 1;
  bool presenter_ = false;
  QString cli_path_;
  int live_steps_ = 160;

  QStackedWidget* stack_ = nullptr;
  QLabel* header_ = nullptr;
  QLabel* dots_ = nullptr;
  QPushButton* back_button_ = nullptr;
  QPushButton* next_button_ = nullptr;
  QPushButton* restart_button_ = nullptr;
  QPushButton* presenter_button_ = nullptr;
  std::vector<QLabel*> texts_;       // one paragraph per step
  std::vector<QLabel*> notes_;       // one status line per step (results, errors)
  QLabel* code_box_ = nullptr;
  QLabel* formula_box_ = nullptr;
  QLabel* summary_table_ = nullptr;
  ResidualDiagram* diagram_ = nullptr;

  Chart* stream_chart_ = nullptr;
  Chart* init_chart_ = nullptr;
  Chart* lns_chart_ = nullptr;
  Chart* trained_chart_ = nullptr;
  Chart* removal_chart_ = nullptr;
  Chart* live_loss_chart_ = nullptr;
  Chart* live_variance_chart_ = nullptr;
  Chart* summary_chart_ = nullptr;
  std::vector<Chart*> charts_;

  std::map<NormScheme, QCPGraph*> init_graphs_;
  std::map<NormScheme, QCPGraph*> trained_graphs_;
  std::map<NormScheme, QCPGraph*> untrained_graphs_;  // the same shape, freshly initialised
  std::map<NormScheme, QCPGraph*> stream_graphs_;     // step 1: attention / MLP update ratios
  std::map<NormScheme, QCPBars*> removal_bars_;
  std::map<NormScheme, QCPGraph*> live_loss_graphs_;
  std::map<NormScheme, QCPGraph*> live_variance_graphs_;
  std::map<NormScheme, double> removal_baseline_;
  std::map<NormScheme, std::map<int, double>> removal_delta_;  // layer -> ΔPPL as measured

  TaskRunner* init_runner_ = nullptr;
  TaskRunner* examples_runner_ = nullptr;
  TaskRunner* removal_runner_ = nullptr;
  TaskRunner* live_runner_ = nullptr;
  std::map<int, bool> started_;
  std::map<int, bool> done_;
  std::map<int, QString> errors_;

  // Step 6.
  QPushButton* live_start_button_ = nullptr;
  QPushButton* live_stop_button_ = nullptr;
  QLabel* live_status_ = nullptr;
  std::vector<std::unique_ptr<QTemporaryDir>> live_dirs_;  // removed when the panel goes
  QString live_db_;
  std::map<int, NormScheme> live_runs_;                    // run id -> scheme
  std::map<int, int> live_variance_step_;                  // run id -> step shown
  bool live_ = false;
};

}  // namespace depthscope::ui
