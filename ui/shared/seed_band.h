#pragma once
// Runs of one scheme over several seeds drawn as one curve: at each step the mean of the runs
// that have a value there, with a shaded band of +-1 sample standard deviation (n - 1). The
// legend says so and gives n: "pre · mean ± 1 sd (n = 3)". The same band in Train and Compare
// (docs/ui.md, "Seeds"). A click inside a band toggles its single runs (the caller redraws).
#include <functional>
#include <utility>
#include <vector>

#include <QColor>
#include <QPointF>
#include <QString>
#include <QVector>

class QCPGraph;
class QObject;

namespace depthscope::ui {

class Chart;

struct SeedBand {
  QVector<double> steps, mean, lo, hi;  // lo/hi = mean -+ sd (sd = 0 where one run has a value)
  int n_min = 0, n_max = 0;             // runs with a value at a step: the fewest, the most
};

// curves: (steps, values) of each run; a step is matched exactly, non-finite values are skipped.
SeedBand seed_band(const std::vector<std::pair<QVector<double>, QVector<double>>>& curves);

// "pre · mean ± 1 sd (n = 3)", or "(n = 2–3)" when runs stop at different steps.
QString seed_band_legend(const QString& name, const SeedBand& band);

// Adds the band (two edges without a legend entry, the space between filled) and the mean
// curve named seed_band_legend(name, band). Every graph carries `group` (graph_group()).
// Returns the mean curve.
QCPGraph* draw_seed_band(Chart* chart, const SeedBand& band, const QString& name, const QColor& color,
                         const QString& group);

// The group of a band graph ("" for any other graph); whether it is one of a band's edges.
QString graph_group(const QCPGraph* graph);
bool is_band_edge(const QCPGraph* graph);

// The group whose band holds the pixel `pos` of `chart` ("" when none does).
QString band_at(const Chart* chart, const QPointF& pos);

// Calls `clicked(group)` when the left button is pressed and released (no drag) inside a band
// of `chart`; the connection lives as long as `context`.
void on_band_click(Chart* chart, QObject* context, std::function<void(const QString&)> clicked);

}  // namespace depthscope::ui
