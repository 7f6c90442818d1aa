#include "ui/train/train_seed_bands.h"

#include <qcustomplot.h>

#include "ui/shared/chart.h"
#include "ui/shared/seed_band.h"
#include "ui/train/train_charts.h"

namespace depthscope::ui {

TrainSeedBands::TrainSeedBands(const TrainCharts* charts, QObject* parent) : QObject(parent), charts_(charts) {
  for (Chart* c : {charts_->loss, charts_->ppl, charts_->grad, charts_->variance})
    on_band_click(c, this, [this](const QString& group) { toggle_single_runs(group); });
}

void TrainSeedBands::toggle_single_runs(const QString& group) {
  if (!expanded_.erase(group)) expanded_.insert(group);
  emit toggled();
}

void TrainSeedBands::draw(const std::map<QString, std::vector<RunCurves>>& groups) {
  // The previous bands go (every band graph carries its group).
  for (Chart* c : {charts_->loss, charts_->ppl, charts_->grad, charts_->variance})
    for (int i = c->graphCount() - 1; i >= 0; --i)
      if (!graph_group(c->graph(i)).isEmpty()) c->removeGraph(i);
  for (const auto& [group, runs] : groups) {
    const bool band = runs.size() >= 2;
    const bool single = !band || shows_single_runs(group);
    for (const RunCurves& r : runs) {
      for (const auto& [chart, g] : r.curves) {
        g->setVisible(single);
        QPen pen = g->pen();
        pen.setWidthF(band ? 0.9 : 2.2);
        g->setPen(pen);
        if (single) g->addToLegend();
        else g->removeFromLegend();
      }
      for (QCPGraph* g : r.hidden_with) g->setVisible(!band);
      if (r.shared) {
        const bool first = &r == &runs.front();
        r.shared->setVisible(!band || first);
        if (!band || first) r.shared->addToLegend();
        else r.shared->removeFromLegend();
      }
    }
    if (!band) continue;
    std::map<Chart*, std::vector<std::pair<QVector<double>, QVector<double>>>> curves;
    for (const RunCurves& r : runs)
      for (const auto& [chart, g] : r.curves) {
        QVector<double> k, v;
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
          k << it->key;
          v << it->value;
        }
        curves[chart].emplace_back(k, v);
      }
    for (const auto& [chart, c] : curves) {
      const SeedBand b = seed_band(c);
      if (!b.steps.isEmpty()) draw_seed_band(chart, b, group, runs.front().color, group);
    }
  }
}

}  // namespace depthscope::ui
