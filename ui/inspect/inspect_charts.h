#pragma once
// The Inspect tab's charts: variance by depth, the angular-distance heatmap d(l, l+n), the
// logit lens, the removal impact (RemovalBars: ΔPPL, Δacc, Δacc_norm with error bars) and the
// greedy pruning curve, laid out in a 3 + 2 grid, each with its CSV. They are filled from the
// core results as they arrive (a computation streaming them, or a cached analysis replayed).
#include <memory>
#include <vector>

#include <QList>
#include <QMap>
#include <QObject>
#include <QString>

class QColor;
class QCPColorMap;
class QCPGraph;
class QGridLayout;

namespace depthscope {
struct LayerStats;
struct LayerRemovalEntry;
struct PruningStep;
struct RemovalScore;
}  // namespace depthscope

namespace depthscope::ui {

class Chart;
class RemovalBars;

class InspectCharts : public QObject {
  Q_OBJECT
 public:
  explicit InspectCharts(QObject* parent = nullptr);
  ~InspectCharts() override;

  QGridLayout* make_grid();
  QList<Chart*> all() const;
  // Empty charts for a model of `layers` layers, drawn in `color`, its variance curve named
  // `name`; `message` over each chart ("Press Analyse").
  void reset(const QColor& color, const QString& name, int layers, int max_pruned, const QString& message);

  void add_stats(const LayerStats& s);
  void add_removal(const LayerRemovalEntry& e);
  void set_baseline(const RemovalScore& baseline);
  void add_pruning(const PruningStep& step);
  // Perplexity of the full model (0 before the sweep reported it).
  double baseline_ppl() const { return baseline_ppl_; }

  // The angular heatmap: averaged over every token, or the last token of each window; the
  // largest distance n shown.
  void set_last_token(bool last);
  void set_max_n(int n);
  // Fits every chart to its data (the pruning axis to max_pruned steps).
  void refit(int max_pruned);

  Chart* variance = nullptr;
  Chart* angular = nullptr;
  Chart* logit_lens = nullptr;
  Chart* removal_chart = nullptr;
  Chart* pruning = nullptr;
  QCPGraph* variance_graph = nullptr;
  QCPGraph* logit_graph = nullptr;
  QCPGraph* pruning_graph = nullptr;
  QCPColorMap* angular_map = nullptr;
  std::unique_ptr<RemovalBars> removal;

 private:
  void show_angular();

  int layers_ = 0;
  int max_n_ = 512;
  bool last_token_ = false;
  double baseline_ppl_ = 0;
  // Both angular matrices as they arrive: [k-1][n-1] = d(k, k+n); NaN where not yet known.
  std::vector<std::vector<double>> angular_token_mean_, angular_last_token_;
  QMap<int, QString> pruned_layers_;  // step -> " (3, 4, 7)"
};

}  // namespace depthscope::ui
