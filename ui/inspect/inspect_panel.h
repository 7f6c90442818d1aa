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
#include <memory>
#include <string>

#include <QMap>
#include <vector>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QCPBars;
class QCPColorMap;
class QCPGraph;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace depthscope {
struct LayerStats;
struct LayerRemovalEntry;
struct PruningStep;
struct RemovalScore;
}  // namespace depthscope

namespace depthscope {
class ModelSession;
}

namespace depthscope::ui {

class Chart;
class JobList;
class RemovalBars;
class TaskRunner;

class InspectPanel : public QWidget {
  Q_OBJECT
 public:
  explicit InspectPanel(JobList* jobs = nullptr, QWidget* parent = nullptr);
  ~InspectPanel() override;  // cancels the running analysis and waits for it

  void set_session(std::shared_ptr<const ModelSession> session);
  // Evaluation tokens taken from the corpus, window length, most layers the greedy curve removes.
  void set_evaluation(int tokens, int n_ctx, int max_pruned);
  // Evaluation text file; empty (the default): the Debian corpus fortunes-min, as the CLI.
  void set_evaluation_text(const QString& path);
  bool running() const;
  // Perplexity of the full model over the evaluation set of the last analysis (0 before).
  double baseline_ppl() const { return baseline_ppl_; }

  Chart* variance_chart() const { return variance_chart_; }
  Chart* angular_chart() const { return angular_chart_; }
  Chart* logit_lens_chart() const { return logit_chart_; }
  Chart* removal_chart() const { return removal_chart_; }
  Chart* pruning_chart() const { return pruning_chart_; }
  QCPBars* removal_bars() const;
  // A multiple-choice set scored with each layer removed at the next Analyse ("": none); the
  // removal chart then switches between ΔPPL (0), Δacc (1) and Δacc_norm (2).
  void set_choices_file(const QString& path);
  void set_removal_metric(int metric);
  const RemovalBars& removal() const { return *removal_; }
  QCPGraph* pruning_graph() const { return pruning_graph_; }
  QCPColorMap* angular_map() const { return angular_map_; }

 public slots:
  void analyse();
  void cancel();

 signals:
  void finished(bool cancelled);  // partial results stay on the charts when cancelled
  void failed(const QString& message);
  void log(const QString& message);

 private:
  void reset_charts();
  void apply_stats(const LayerStats& s);
  void apply_removal(const LayerRemovalEntry& e);
  void apply_baseline(const RemovalScore& baseline);
  void apply_pruning(const PruningStep& step);
  void refit();
  void set_running(bool on);
  void apply_max_n();
  void show_angular_mode();

  JobList* jobs_;
  std::shared_ptr<const ModelSession> session_;
  TaskRunner* runner_;  // child; drops whatever an abandoned analysis still sends
  std::string text_path_;
  QString memory_text_;  // " · est. peak memory 12.3 MiB" once the run's estimate is known
  int job_id_ = 0;
  int layers_ = 0;
  double baseline_ppl_ = 0;

  QSpinBox* tokens_box_;
  QSpinBox* n_ctx_box_;
  QSpinBox* prune_box_;
  QSpinBox* max_n_box_;
  QComboBox* angular_mode_box_;  // token mean | last token (the official code's mode)
  // Both angular matrices as they arrive: [k-1][n-1] = d(k, k+n); NaN where not yet known.
  std::vector<std::vector<double>> angular_token_mean_, angular_last_token_;
  QCheckBox* log_box_;
  QPushButton* analyse_button_;
  QPushButton* cancel_button_;
  QProgressBar* progress_bar_;
  QLabel* status_label_;

  Chart* variance_chart_;
  Chart* angular_chart_;
  Chart* logit_chart_;
  Chart* removal_chart_;
  Chart* pruning_chart_;
  QCPGraph* variance_graph_ = nullptr;
  QCPGraph* logit_graph_ = nullptr;
  QCPGraph* pruning_graph_ = nullptr;
  std::unique_ptr<RemovalBars> removal_;
  std::string choices_path_;
  QPushButton* choices_button_;
  QComboBox* removal_metric_box_;
  QCheckBox* removal_log_box_;
  QCPColorMap* angular_map_ = nullptr;
  QMap<int, QString> pruned_layers_;  // step -> "removed 3, 4, 7"
};

}  // namespace depthscope::ui
