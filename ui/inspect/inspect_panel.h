#pragma once
// "Inspect" tab: what each layer of an opened checkpoint does, from forward passes over an
// evaluation text — variance by depth, angular distance d(l, l+n), logit lens, the
// layer-removal sweep (bars that fill in as each layer finishes) and the greedy pruning
// curve. One background task computes them in that order; every chart streams. With a
// multiple-choice set (Choices…) the removal chart switches between ΔPPL, Δacc and Δacc_norm
// with ±1 stderr error bars (ui/shared/removal_bars.h).
// The evaluation set comes from core/analysis/eval_set.h, as in the CLI's `perplexity` and
// `prune-sweep`, so the same model, text and settings give the same numbers there.
// A new model abandons the running analysis: nothing it still sends reaches the charts.
// Each finished analysis is kept on disk (core/analysis/analysis_cache.h), keyed by the
// checkpoint's files, the text, the choices, the settings and the device: opening the same
// checkpoint again shows it at once instead of computing it again (Analyse recomputes).
#include <memory>
#include <string>

#include <QWidget>

class QCheckBox;
class QComboBox;
class QVBoxLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace depthscope {
class ModelSession;
struct AnalysisKey;
struct AnalysisRecord;
}  // namespace depthscope

namespace depthscope::ui {

class InspectCharts;

class Chart;
class JobList;
class RemovalBars;
class TaskRunner;

class InspectPanel : public QWidget {
  Q_OBJECT
 public:
  explicit InspectPanel(JobList* jobs = nullptr, QWidget* parent = nullptr);
  ~InspectPanel() override;  // cancels the running analysis and waits for it

  // The open checkpoint, and the device it was opened on ("cpu", "cuda:0": part of the key
  // of its kept analyses).
  void set_session(std::shared_ptr<const ModelSession> session, const QString& device = "cpu");
  // Evaluation tokens taken from the corpus, window length, most layers the greedy curve removes.
  void set_evaluation(int tokens, int n_ctx, int max_pruned);
  // Evaluation text file; empty (the default): the Debian corpus fortunes-min, as the CLI.
  void set_evaluation_text(const QString& path);
  // A multiple-choice set scored with each layer removed at the next Analyse ("": none); the
  // removal chart then switches between ΔPPL (0), Δacc (1) and Δacc_norm (2).
  void set_choices_file(const QString& path);
  void set_removal_metric(int metric);
  // Where finished analyses are kept (default <CacheLocation>/analyses; "" keeps none).
  void set_cache_folder(const QString& dir) { cache_dir_ = dir; }
  bool running() const;
  // The last analysis shown came from the cache.
  bool reused() const { return reused_; }
  const InspectCharts& charts() const { return *charts_; }

 public slots:
  // Runs every analysis over the evaluation set. reuse: show the kept analysis of the same
  // checkpoint, text, choices, settings and device instead, when there is one.
  void analyse(bool reuse = false);
  void cancel();

 signals:
  void finished(bool cancelled);  // partial results stay on the charts when cancelled
  void failed(const QString& message);
  void log(const QString& message);

 private:
  QVBoxLayout* make_controls();
  AnalysisKey key() const;
  void compute(const AnalysisKey& key);
  void replay(const AnalysisRecord& record);
  void reset_charts();
  void refit();
  void set_running(bool on);

  JobList* jobs_;
  std::shared_ptr<const ModelSession> session_;
  QString device_ = "cpu";
  TaskRunner* runner_;  // child; drops whatever an abandoned analysis still sends
  std::string text_path_;
  std::string choices_path_;
  QString cache_dir_;
  bool reused_ = false;
  int replay_generation_ = 0;  // a replay queued for an older session or request is dropped
  bool replaying_ = false;
  QString memory_text_;  // " · est. peak memory 12.3 MiB" once the run's estimate is known
  int job_id_ = 0;
  int layers_ = 0;

  QSpinBox* tokens_box_;
  QSpinBox* n_ctx_box_;
  QSpinBox* prune_box_;
  QSpinBox* max_n_box_;
  QComboBox* angular_mode_box_;  // token mean | last token (the official code's mode)
  QCheckBox* log_box_;
  QPushButton* analyse_button_;
  QPushButton* cancel_button_;
  QProgressBar* progress_bar_;
  QLabel* status_label_;
  QPushButton* choices_button_;
  QComboBox* removal_metric_box_;
  QCheckBox* removal_log_box_;
  InspectCharts* charts_;
};

}  // namespace depthscope::ui
