#pragma once
// The checkpoint comparison of the Compare tab: the Inspect analyses of each ticked checkpoint
// in its own column (variance by depth, angular distance d(l, l+n) as a heatmap, removal
// impact with the deepest half shaded), with shared axes and one colour range per row, and
// zoom and pan linked within each row (ui/shared/linked_axes.h).
#include <memory>
#include <vector>

#include <QList>
#include <QWidget>

#include "ui/shared/removal_bars.h"

class QCPBars;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;
class QCPItemRect;
class QCPItemText;
class QGridLayout;

namespace depthscope::ui {

class Chart;
class LinkedAxes;
struct CompareItem;

class CheckpointGrid : public QWidget {
  Q_OBJECT
 public:
  explicit CheckpointGrid(QWidget* parent = nullptr);

  // One column per checkpoint among `compared`, drawn from what each holds so far.
  void rebuild(const std::vector<CompareItem*>& compared);
  // Drops the charts of an item that goes away.
  void forget(const CompareItem* item);
  // Draws an item's analysis so far (its column must exist).
  void draw(const CompareItem* item);
  // Shared axes: every chart of a row shows the union of the row's ranges, L layers wide;
  // one colour range for every heatmap.
  void refit();
  // Logarithmic y on every variance chart (the "Log variance axes" box).
  void set_log_y(bool on);
  // What every removal chart shows: ΔPPL, or Δacc / Δacc_norm with ±1 stderr (checkpoints
  // analysed with a multiple-choice set; the others show no bars).
  void set_removal_metric(RemovalBars::Metric metric);
  RemovalBars::Metric removal_metric() const { return metric_; }
  const RemovalBars* removal_bars(const CompareItem* item) const;

  QList<Chart*> variance_charts() const;
  QList<Chart*> angular_charts() const;
  QList<Chart*> removal_charts() const;

 private:
  struct Column {
    const CompareItem* item = nullptr;
    Chart* variance_chart = nullptr;
    Chart* angular_chart = nullptr;
    Chart* removal_chart = nullptr;
    QCPGraph* variance_graph = nullptr;
    QCPColorMap* angular_map = nullptr;
    QCPColorScale* angular_scale = nullptr;
    std::shared_ptr<RemovalBars> removal;  // bars and error bars of removal_chart
    QCPItemRect* deep_band = nullptr;
    QCPItemText* deep_label = nullptr;
  };
  Column make_column(const CompareItem* item);
  void clear();

  std::vector<Column> columns_;
  QGridLayout* grid_;
  LinkedAxes* links_;
  bool log_y_ = true;
  RemovalBars::Metric metric_ = RemovalBars::Metric::ppl;
};

}  // namespace depthscope::ui
