#pragma once
// Tour step 6, a tiny pair trained live, for two seeds: a 12 x 64 Pre-LN / LNS pair (four runs:
// seeds 1 and 2) launched by Start into a
// temporary run database through the same job and watcher code as the Train tab (JobActions:
// the job manager runs each run as its own `depthscope-cli train` process; RunWatcher: the
// metric rows, read on its thread). Stopped when the tour is left (hidden), restarted or closed;
// the temporary folders go with the step, after its processes have stopped.
#include <map>
#include <memory>
#include <vector>

#include <QElapsedTimer>
#include <QList>

#include "core/model/config.h"
#include "ui/tour/tour_step.h"

class QCPGraph;
class QLabel;
class QPushButton;
class QTemporaryDir;

namespace depthscope::ui {

class Chart;
class JobActions;
class RunWatcher;
struct ActionResult;
struct WatchBatch;

class LiveTrainingStep : public TourStep {
  Q_OBJECT
 public:
  explicit LiveTrainingStep(QObject* parent = nullptr);
  ~LiveTrainingStep() override;  // stops the training processes and waits for them
  QString title() const override { return "Train a tiny pair yourself"; }
  QString text() const override;
  QWidget* make_figure() override;
  void start() override {}  // nothing runs until Start
  void stop() override { stop_training(); }
  void clear() override;
  void set_scale(double scale) override;

  // depthscope-cli for the training (default: the one beside this executable).
  void set_cli_path(const QString& path) { cli_path_ = path; }
  QString cli_path() const { return cli_path_; }
  void set_steps(int steps) { steps_ = steps; }
  void start_training();
  void stop_training();
  bool training() const { return live_; }
  QString database() const { return db_; }
  Chart* loss_chart() const { return loss_chart_; }
  Chart* variance_chart() const { return variance_chart_; }
  QCPGraph* loss_graph(NormScheme s) const;

 private:
  void on_launched(const QList<qint64>& runs);
  void on_action(const ActionResult& result);
  void on_batch(const WatchBatch& batch);
  void ended(const QString& status);
  void set_status(const QString& text);

  QString cli_path_;
  int steps_ = 160;
  JobActions* actions_;
  RunWatcher* watcher_;
  QPushButton* start_button_ = nullptr;
  QPushButton* stop_button_ = nullptr;
  QLabel* status_ = nullptr;
  Chart* loss_chart_ = nullptr;
  Chart* variance_chart_ = nullptr;
  std::map<NormScheme, QCPGraph*> loss_graphs_, second_seed_graphs_, variance_graphs_;
  std::map<qint64, double> val_ppl_;           // run id -> its latest val/ppl
  std::vector<std::unique_ptr<QTemporaryDir>> dirs_;  // removed when the step goes
  QString db_;
  std::map<qint64, NormScheme> runs_;          // run id -> scheme
  std::map<qint64, int> seed_of_;              // run id -> 1 or 2
  std::map<qint64, std::int64_t> variance_step_;  // run id -> step shown
  bool live_ = false;
  bool stop_requested_ = false;
  QElapsedTimer clock_;
};

}  // namespace depthscope::ui
