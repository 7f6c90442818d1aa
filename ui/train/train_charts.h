#pragma once
// The Train tab's charts: loss, validation perplexity, learning rate and gradient norm on one
// step axis (linked zoom and pan, ui/shared/linked_axes.h; a crosshair reading every smoothed
// curve at the step under the mouse, ui/shared/crosshair.h), the layer x step heatmap of the
// residual variance (QCPColorMap with its colour scale) and the variance-by-layer curves, laid
// out in a 3 x 2 grid. Set-up only: TrainPanel fills them.
#include <QList>
#include <QObject>

class QCPColorMap;
class QCPColorScale;
class QGridLayout;

namespace depthscope::ui {

class Chart;
class Crosshair;
class LinkedAxes;
struct RunSeries;

class TrainCharts : public QObject {
  Q_OBJECT
 public:
  explicit TrainCharts(QObject* parent = nullptr);

  // The 3 x 2 grid of the charts (loss, ppl, lr / grad, heatmap, variance).
  QGridLayout* make_grid();
  // Fits every chart to its data; one step range (the union) for the four step charts.
  void fit();
  // The heatmap of one run's residual variance: log10 Var per (sampled step, layer); hidden
  // (the chart's message says why) when the run has no layer metrics (null: none).
  void draw_heatmap(const RunSeries* run);

  QList<Chart*> step_charts() const;  // loss, ppl, lr, grad
  QList<Chart*> all() const;          // the step charts, heatmap, variance

  Chart* loss = nullptr;
  Chart* ppl = nullptr;
  Chart* lr = nullptr;
  Chart* grad = nullptr;
  Chart* heatmap_chart = nullptr;
  Chart* variance = nullptr;
  QCPColorMap* heatmap = nullptr;
  QCPColorScale* heatmap_scale = nullptr;
  Crosshair* crosshair = nullptr;
  LinkedAxes* links = nullptr;
};

}  // namespace depthscope::ui
