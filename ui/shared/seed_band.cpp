#include "ui/shared/seed_band.h"

#include <cmath>
#include <map>

#include <QMouseEvent>

#include "ui/shared/chart.h"

namespace depthscope::ui {

namespace {

constexpr const char* kGroup = "seed_band_group";
constexpr const char* kEdge = "seed_band_edge";  // "lo" | "hi"

// The value of `graph` at `key`, linearly between its points; false outside its range.
bool value_at(const QCPGraph* graph, double key, double* value) {
  const auto data = graph->data();
  if (data->isEmpty()) return false;
  auto hi = data->findBegin(key, false);
  if (hi == data->constEnd()) return false;
  if (hi->key == key) {
    *value = hi->value;
    return true;
  }
  if (hi == data->constBegin()) return false;
  const auto lo = hi - 1;
  const double t = (key - lo->key) / (hi->key - lo->key);
  *value = lo->value + t * (hi->value - lo->value);
  return true;
}

}  // namespace

SeedBand seed_band(const std::vector<std::pair<QVector<double>, QVector<double>>>& curves) {
  std::map<double, std::vector<double>> at;  // step -> the runs' values
  for (const auto& [steps, values] : curves)
    for (int i = 0; i < steps.size() && i < values.size(); ++i)
      if (std::isfinite(values[i])) at[steps[i]].push_back(values[i]);
  SeedBand b;
  for (const auto& [step, v] : at) {
    double sum = 0;
    for (double x : v) sum += x;
    const double mean = sum / static_cast<double>(v.size());
    double sq = 0;
    for (double x : v) sq += (x - mean) * (x - mean);
    const double sd = v.size() > 1 ? std::sqrt(sq / static_cast<double>(v.size() - 1)) : 0.0;
    b.steps << step;
    b.mean << mean;
    b.lo << mean - sd;
    b.hi << mean + sd;
    const int n = static_cast<int>(v.size());
    b.n_min = b.steps.size() == 1 ? n : std::min(b.n_min, n);
    b.n_max = std::max(b.n_max, n);
  }
  return b;
}

QString seed_band_legend(const QString& name, const SeedBand& band) {
  const QString n = band.n_min == band.n_max ? QString::number(band.n_max)
                                             : QString("%1–%2").arg(band.n_min).arg(band.n_max);
  return QString("%1 · mean ± 1 sd (n = %2)").arg(name, n);
}

QCPGraph* draw_seed_band(Chart* chart, const SeedBand& band, const QString& name, const QColor& color,
                         const QString& group) {
  QColor fill = color;
  fill.setAlpha(55);
  QCPGraph* lo = chart->addGraph();
  QCPGraph* hi = chart->addGraph();
  for (QCPGraph* edge : {lo, hi}) {
    edge->setName(name + (edge == lo ? " − 1 sd" : " + 1 sd"));
    edge->setPen(QPen(fill, 1));
    edge->setScatterStyle(QCPScatterStyle::ssNone);
    edge->setProperty(kGroup, group);
    edge->setProperty(kEdge, edge == lo ? "lo" : "hi");
    edge->removeFromLegend();
  }
  lo->setData(band.steps, band.lo, true);
  hi->setData(band.steps, band.hi, true);
  hi->setBrush(QBrush(fill));
  hi->setChannelFillGraph(lo);
  QCPGraph* mean = chart->add_line_series(seed_band_legend(name, band), color);
  mean->setData(band.steps, band.mean, true);
  mean->setProperty(kGroup, group);
  if (band.steps.size() > 60) mean->setScatterStyle(QCPScatterStyle::ssNone);
  return mean;
}

QString graph_group(const QCPGraph* graph) { return graph->property(kGroup).toString(); }

bool is_band_edge(const QCPGraph* graph) { return !graph->property(kEdge).toString().isEmpty(); }

QString band_at(const Chart* chart, const QPointF& pos) {
  const double key = chart->xAxis->pixelToCoord(pos.x());
  const double y = chart->yAxis->pixelToCoord(pos.y());
  std::map<QString, std::pair<const QCPGraph*, const QCPGraph*>> edges;  // group -> (lo, hi)
  for (int i = 0; i < chart->graphCount(); ++i) {
    const QCPGraph* g = chart->graph(i);
    const QString edge = g->property(kEdge).toString();
    if (edge == "lo") edges[graph_group(g)].first = g;
    if (edge == "hi") edges[graph_group(g)].second = g;
  }
  for (const auto& [group, pair] : edges) {
    double lo = 0, hi = 0;
    if (pair.first && pair.second && value_at(pair.first, key, &lo) && value_at(pair.second, key, &hi)) {
      // A band of zero width (one run at those steps) is still hit within a few pixels.
      const double slack = std::fabs(chart->yAxis->pixelToCoord(pos.y() + 4) - y);
      if (y >= lo - slack && y <= hi + slack) return group;
    }
  }
  return QString();
}

void on_band_click(Chart* chart, QObject* context, std::function<void(const QString&)> clicked) {
  QObject::connect(chart, &QCustomPlot::mousePress, context,
                   [chart](QMouseEvent* e) { chart->setProperty("seed_band_press", e->position()); });
  QObject::connect(chart, &QCustomPlot::mouseRelease, context, [chart, clicked](QMouseEvent* e) {
    const QPointF from = chart->property("seed_band_press").toPointF();
    if (e->button() != Qt::LeftButton || (e->position() - from).manhattanLength() > 4) return;
    const QString group = band_at(chart, e->position());
    if (!group.isEmpty()) clicked(group);
  });
}

}  // namespace depthscope::ui
