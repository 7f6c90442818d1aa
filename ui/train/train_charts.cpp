#include "ui/train/train_charts.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QGridLayout>
#include <qcustomplot.h>

#include "ui/shared/chart.h"
#include "ui/shared/crosshair.h"
#include "ui/shared/linked_axes.h"
#include "ui/train/run_series.h"

namespace depthscope::ui {
namespace {

QString num(double v, int precision = 4) { return QString::number(v, 'g', precision); }

QCPColorGradient variance_gradient() {
  // Viridis (perceptually uniform, readable in grey), from its published stops.
  QCPColorGradient g;
  g.clearColorStops();
  const char* stops[] = {"#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"};
  for (int i = 0; i < 10; ++i) g.setColorStopAt(i / 9.0, QColor(stops[i]));
  g.setColorInterpolation(QCPColorGradient::ciRGB);
  g.setNanHandling(QCPColorGradient::nhTransparent);
  return g;
}

}  // namespace

TrainCharts::TrainCharts(QObject* parent)
    : QObject(parent), crosshair(new Crosshair(this)), links(new LinkedAxes(this)) {
  loss = new Chart("train-loss");
  loss->set_title("Training loss", "batch NLL per step · smoothed, raw faint");
  loss->set_axis_labels("step", "loss  [nats]");
  ppl = new Chart("validation-perplexity");
  ppl->set_title("Validation perplexity", "fixed validation windows · smoothed");
  ppl->set_axis_labels("step", "perplexity");
  lr = new Chart("learning-rate");
  lr->set_title("Learning rate", "warmup, then cosine decay");
  lr->set_axis_labels("step", "lr");
  grad = new Chart("gradient-norm");
  grad->set_title("Gradient norm", "global, before clipping · smoothed");
  grad->set_axis_labels("step", "‖g‖");
  heatmap_chart = new Chart("residual-variance-heatmap");
  heatmap_chart->set_title("Residual variance", "log₁₀ Var(x_l+1) by layer and step");
  heatmap_chart->set_axis_labels("step", "layer l");
  heatmap_chart->legend->setVisible(false);
  {
    QSharedPointer<QCPAxisTickerFixed> layers(new QCPAxisTickerFixed);
    layers->setTickStep(1.0);
    layers->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    heatmap_chart->yAxis->setTicker(layers);
  }
  heatmap = new QCPColorMap(heatmap_chart->xAxis, heatmap_chart->yAxis);
  heatmap->setName("log10 residual variance");
  heatmap->setInterpolate(false);
  heatmap->setVisible(false);  // until a run has layer metrics (QCustomPlot starts it as 10 x 10 zeros)
  heatmap_scale = attach_colour_scale(heatmap_chart, heatmap, "log₁₀ σ²", variance_gradient());
  heatmap_chart->set_cell_tooltip([](double step, double layer, double lv) {
    return QString("step %1 · layer %2\nVar = %3 (log₁₀ %4)").arg(step, 0, 'f', 0).arg(int(std::lround(layer)))
        .arg(num(std::pow(10.0, lv))).arg(num(lv, 3));
  });
  variance = new Chart("variance-by-layer");
  variance->set_title("Variance by layer", "residual stream leaving layer l at the chosen step");
  variance->set_axis_labels("layer l", "Var(x_l+1)");
  variance->set_integer_x();
  variance->set_log_y(true);

  for (Chart* c : {loss, ppl, grad}) c->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  lr->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  variance->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  for (Chart* c : step_charts()) {
    c->set_tooltip([](const QString& series, double step, double v) {
      return QString("%1\nstep %2: %3").arg(series).arg(step, 0, 'f', 0).arg(num(v, 5));
    });
  }
  variance->set_tooltip([](const QString& series, double l, double v) {
    return QString("%1\nlayer %2: Var = %3").arg(series).arg(int(l)).arg(num(v, 5));
  });

  // The four step charts zoom and pan together; the crosshair reads the curves of the legend
  // (the smoothed ones and the learning rate), not the faint raw curves behind them.
  QList<QCPAxis*> steps;
  for (Chart* c : step_charts()) steps << c->xAxis;
  links->link(steps);
  crosshair->add_chart(loss, "train/loss", "loss");
  crosshair->add_chart(ppl, "val/ppl", "val PPL");
  crosshair->add_chart(lr, "train/lr", "lr");
  crosshair->add_chart(grad, "train/grad_norm", "‖g‖");
  crosshair->set_filter([](const QCPGraph* g) { return g->parentPlot()->legend->hasItemWithPlottable(g); });
  connect(links, &LinkedAxes::propagated, crosshair, &Crosshair::refresh);
}

QList<Chart*> TrainCharts::step_charts() const { return {loss, ppl, lr, grad}; }

QList<Chart*> TrainCharts::all() const { return {loss, ppl, lr, grad, heatmap_chart, variance}; }

QGridLayout* TrainCharts::make_grid() {
  auto* grid = new QGridLayout;
  grid->setSpacing(6);
  grid->addWidget(loss, 0, 0);
  grid->addWidget(ppl, 0, 1);
  grid->addWidget(lr, 0, 2);
  grid->addWidget(grad, 1, 0);
  grid->addWidget(heatmap_chart, 1, 1);
  grid->addWidget(variance, 1, 2);
  for (int c = 0; c < 3; ++c) grid->setColumnStretch(c, 1);
  return grid;
}

void TrainCharts::fit() {
  {
    const LinkedAxes::Pause pause(links);
    for (Chart* c : all()) c->fit_to_data();
    // One step range for the four step charts: the union of their fitted ranges.
    QList<QCPAxis*> with_data;
    for (Chart* c : step_charts())
      for (int i = 0; i < c->graphCount(); ++i)
        if (c->graph(i)->dataCount() > 0) {
          with_data << c->xAxis;
          break;
        }
    if (!with_data.isEmpty()) {
      const QCPRange r = union_range(with_data);
      for (Chart* c : step_charts()) set_range_quietly(c->xAxis, r);
    }
  }
  for (Chart* c : step_charts()) c->replot(QCustomPlot::rpQueuedReplot);
  crosshair->refresh();
}

}  // namespace depthscope::ui

namespace depthscope::ui {

void TrainCharts::draw_heatmap(const RunSeries* run) {
  QCPColorMapData* d = heatmap->data();
  if (!run || run->residual.empty() || run->layers == 0) {
    d->setSize(1, 1);
    d->setCell(0, 0, std::nan(""));
    heatmap->setVisible(false);  // the chart's message says why it is empty
    return;
  }
  heatmap->setVisible(true);
  const RunSeries& s = *run;
  const int nsteps = static_cast<int>(s.residual.size());
  d->setSize(nsteps, s.layers);
  const double first = static_cast<double>(s.residual.begin()->first);
  const double last = static_cast<double>(s.residual.rbegin()->first);
  d->setRange(nsteps > 1 ? QCPRange(first, last) : QCPRange(first - 0.5, first + 0.5),
              s.layers > 1 ? QCPRange(1, s.layers) : QCPRange(0.5, 1.5));
  int i = 0;
  for (const auto& [step, values] : s.residual) {
    for (int l = 0; l < s.layers; ++l) {
      const double v = l < static_cast<int>(values.size()) ? values[l] : std::nan("");
      d->setCell(i, l, std::isfinite(v) && v > 0 ? std::log10(v) : std::nan(""));
    }
    ++i;
  }
  heatmap->rescaleDataRange(true);
}

}  // namespace depthscope::ui
