#include "ui/inspect/inspect_charts.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QGridLayout>
#include <qcustomplot.h>

#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/shared/removal_bars.h"

namespace depthscope::ui {
namespace {

QString num(double v, int digits = 6) { return QString::number(v, 'g', digits); }

}  // namespace

InspectCharts::InspectCharts(QObject* parent) : QObject(parent) {
  variance = new Chart("variance-by-depth");
  variance->set_axis_labels("layer l", "Var(x_l+1)  residual-stream variance");
  variance->set_log_y(true);
  variance->set_tooltip([](const QString&, double l, double v) {
    return QString("layer %1 output\nVar = %2").arg(int(l)).arg(num(v));
  });
  angular = new Chart("angular-distance");
  angular->set_axis_labels("layer l", "distance n");
  angular->legend->setVisible(false);
  angular_map = new QCPColorMap(angular->xAxis, angular->yAxis);
  angular_map->setName("d(l, l+n)");
  angular_map->setInterpolate(false);
  attach_colour_scale(angular, angular_map, "d(l, l+n)", viridis_gradient());
  angular->set_cell_tooltip([](double l, double n, double d) {
    return QString("d(%1, %2) = %3\nlayer %1 input vs layer %2 input").arg(int(l)).arg(int(l + n)).arg(num(d, 4));
  });
  logit_lens = new Chart("logit-lens");
  logit_lens->set_axis_labels("layer l", "next-token loss of head(x_l+1)  [nats]");
  logit_lens->set_tooltip([](const QString&, double l, double v) {
    return QString("layer %1 output through the head\nloss = %2 nats (ppl %3)").arg(int(l)).arg(num(v, 5)).arg(num(std::exp(v), 5));
  });
  removal_chart = new Chart("layer-removal");
  removal_chart->legend->setVisible(false);
  removal = std::make_unique<RemovalBars>(removal_chart);  // bars, error bars, tooltip
  removal->set_log(true);
  pruning = new Chart("greedy-pruning");
  pruning->set_axis_labels("layers removed", "perplexity");
  pruning->legend->setVisible(false);
  pruning->set_tooltip([this](const QString&, double k, double ppl) {
    return QString("%1 layers removed%2\nPPL = %3").arg(int(k)).arg(pruned_layers_.value(int(k))).arg(num(ppl, 5));
  });

  // CSV for every chart.
  variance->set_csv_provider([this] {
    CsvTable t{{"layer", "output_variance"}, {}};
    for (auto it = variance_graph->data()->constBegin(); it != variance_graph->data()->constEnd(); ++it)
      t.rows << QStringList{QString::number(int(it->key)), num(it->value, 9)};
    return t;
  });
  logit_lens->set_csv_provider([this] {
    CsvTable t{{"layer", "logit_lens_loss"}, {}};
    for (auto it = logit_graph->data()->constBegin(); it != logit_graph->data()->constEnd(); ++it)
      t.rows << QStringList{QString::number(int(it->key)), num(it->value, 9)};
    return t;
  });
  removal_chart->set_csv_provider([this] { return removal->csv(); });
  pruning->set_csv_provider([this] {
    CsvTable t{{"layers_removed", "ppl", "removed"}, {}};
    for (auto it = pruning_graph->data()->constBegin(); it != pruning_graph->data()->constEnd(); ++it)
      t.rows << QStringList{QString::number(int(it->key)), num(it->value, 9), pruned_layers_.value(int(it->key)).trimmed()};
    return t;
  });
  angular->set_csv_provider([this] {
    CsvTable t{{"l", "n", "angular_distance"}, {}};
    QCPColorMapData* d = angular_map->data();
    for (int k = 0; k < d->keySize(); ++k)
      for (int v = 0; v < d->valueSize(); ++v)
        if (std::isfinite(d->cell(k, v)))
          t.rows << QStringList{QString::number(k + 1), QString::number(v + 1), num(d->cell(k, v), 9)};
    return t;
  });

  for (Chart* c : {variance, angular, logit_lens, removal_chart, pruning}) c->set_integer_x();
  {
    QSharedPointer<QCPAxisTickerFixed> n_ticks(new QCPAxisTickerFixed);
    n_ticks->setTickStep(1.0);
    n_ticks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    angular->yAxis->setTicker(n_ticks);
  }
}

InspectCharts::~InspectCharts() = default;

QGridLayout* InspectCharts::make_grid() {
  auto* grid = new QGridLayout;
  grid->setSpacing(8);
  grid->addWidget(variance, 0, 0);
  grid->addWidget(angular, 0, 1);
  grid->addWidget(logit_lens, 0, 2);
  grid->addWidget(removal_chart, 1, 0, 1, 2);
  grid->addWidget(pruning, 1, 2);
  return grid;
}

QList<Chart*> InspectCharts::all() const { return {variance, angular, logit_lens, removal_chart, pruning}; }

void InspectCharts::reset(const QColor& color, const QString& name, int layers, int max_pruned, const QString& message) {
  layers_ = layers;
  variance->clearGraphs();
  variance_graph = variance->add_line_series(name, color);
  logit_lens->clearGraphs();
  logit_graph = logit_lens->add_line_series("logit lens", color);
  logit_lens->legend->setVisible(false);
  pruning->clearGraphs();
  pruning_graph = pruning->add_line_series("greedy pruning", color);
  pruned_layers_.clear();
  removal->reset(color);
  const int L = std::max(1, layers);
  angular_map->data()->setSize(L, L);
  angular_map->data()->setRange(QCPRange(1, L), QCPRange(1, L));
  angular_map->data()->fill(std::numeric_limits<double>::quiet_NaN());
  const std::vector<double> unknown(static_cast<std::size_t>(L), std::numeric_limits<double>::quiet_NaN());
  angular_token_mean_.assign(static_cast<std::size_t>(L), unknown);
  angular_last_token_.assign(static_cast<std::size_t>(L), unknown);
  baseline_ppl_ = 0;

  variance->set_title("Variance by depth", "residual stream after each layer");
  angular->set_title("Angular distance d(l, l+n)", "arccos(cos(x_l, x_l+n)) / π; d < 0.2: nearly the identity");
  logit_lens->set_title("Logit lens", "loss if the model stopped after layer l");
  removal_chart->set_title("Removal impact", "perplexity change when one layer is bypassed (fills in as each layer finishes)");
  pruning->set_title("Greedy pruning", "remove the least useful layer, repeatedly");
  for (Chart* c : all()) {
    c->set_message(message);
    c->xAxis->setRange(0.5, L + 0.5);
  }
  pruning->xAxis->setRange(-0.5, max_pruned + 0.5);
  for (Chart* c : all()) c->replot(QCustomPlot::rpQueuedReplot);
}

void InspectCharts::add_stats(const LayerStats& s) {
  const double l = static_cast<double>(s.layer);
  variance_graph->addData(l, s.output_variance);
  if (std::isfinite(s.logit_lens_loss)) logit_graph->addData(l, s.logit_lens_loss);
  // Entry k-1 is d(k, l+1): inputs of layer k and of layer l+1, so n = l + 1 - k.
  for (std::size_t i = 0; i < s.angular_to_output_token_mean.size(); ++i) {
    const int k = static_cast<int>(i) + 1;
    const int n = static_cast<int>(s.layer) + 1 - k;
    if (n < 1 || n > layers_ || k > static_cast<int>(angular_token_mean_.size())) continue;
    angular_token_mean_[k - 1][n - 1] = s.angular_to_output_token_mean[i];
    if (i < s.angular_to_output_last_token.size()) angular_last_token_[k - 1][n - 1] = s.angular_to_output_last_token[i];
    angular_map->data()->setCell(k - 1, n - 1, (last_token_ ? angular_last_token_ : angular_token_mean_)[k - 1][n - 1]);
  }
}

void InspectCharts::set_last_token(bool last) {
  last_token_ = last;
  show_angular();
}

void InspectCharts::show_angular() {
  const auto& m = last_token_ ? angular_last_token_ : angular_token_mean_;
  for (std::size_t k = 0; k < m.size(); ++k)
    for (std::size_t n = 0; n < m[k].size(); ++n)
      angular_map->data()->setCell(static_cast<int>(k), static_cast<int>(n), m[k][n]);
  angular_map->rescaleDataRange(true);
  angular->replot(QCustomPlot::rpQueuedReplot);
}

void InspectCharts::add_removal(const LayerRemovalEntry& e) {
  // Until the sweep returns its baseline, the one implied by the first entry (equal up to rounding).
  if (baseline_ppl_ == 0) set_baseline(RemovalScore{0, e.score.ppl - e.delta_ppl});
  removal->add(e);
}

void InspectCharts::set_baseline(const RemovalScore& baseline) {
  baseline_ppl_ = baseline.ppl;
  removal->set_baseline(baseline);  // and the subtitle
}

void InspectCharts::add_pruning(const PruningStep& step) {
  QStringList removed;
  for (auto l : step.removed) removed << QString::number(l);
  pruned_layers_[static_cast<int>(step.removed_count)] = removed.isEmpty() ? QString() : " (" + removed.join(", ") + ")";
  pruning_graph->addData(static_cast<double>(step.removed_count), step.score.ppl);
}

void InspectCharts::refit(int max_pruned) {
  for (Chart* c : {variance, logit_lens, removal_chart, pruning}) c->fit_to_data();
  removal->refit();
  removal_chart->xAxis->setRange(0.5, layers_ + 0.5);
  pruning->xAxis->setRange(-0.5, std::max(max_pruned, 1) + 0.5);
  angular->fit_to_data();
  set_max_n(max_n_);
}

void InspectCharts::set_max_n(int n) {
  max_n_ = n;
  angular->yAxis->setRange(0.5, std::min(n, std::max(1, layers_)) + 0.5);
  angular->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace depthscope::ui
