#include "ui/tour/steps/trained_variance_step.h"

#include <algorithm>
#include <cmath>

#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/tour/example_statistics.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {

TrainedVarianceStep::TrainedVarianceStep(ExampleStatistics* examples, QObject* parent)
    : TourStep(parent), examples_(examples) {}

QString TrainedVarianceStep::text() const {
  return "The two example models were trained by DepthScope itself with identical settings, data order and "
         "initial weights (deep-narrow: 24 layers &times; 96, 600 steps on the default corpus); only the "
         "norm scheme differs. The chart shows the variance of the stream after each layer on a fixed text, "
         "dashed: the same models before training.";
}

QCPGraph* TrainedVarianceStep::graph(NormScheme s) const {
  auto it = trained_.find(s);
  return it == trained_.end() ? nullptr : it->second;
}

QWidget* TrainedVarianceStep::make_figure() {
  chart_ = track(new Chart("tour-variance-trained"));
  chart_->set_title("Residual-stream variance after training",
                    "example models (deep-narrow 24 × 96) on a fixed text · dashed: the same shape freshly "
                    "initialised");
  chart_->set_axis_labels("layer l", "Var(x_l+1)  (log scale)");
  for (NormScheme s : kTourSchemes) trained_[s] = chart_->add_line_series(scheme_label(s) + " trained", scheme_color(s));
  for (NormScheme s : kTourSchemes) untrained_[s] = dashed_series(chart_, scheme_label(s) + " at init", scheme_color(s));
  chart_->set_log_y(true);
  chart_->set_integer_x();
  chart_->set_message("Loading the example models…");
  chart_->set_tooltip([](const QString& series, double key, double value) {
    return QString("%1, after layer %2\nVar = %3").arg(series).arg(static_cast<int>(key)).arg(value, 0, 'g', 5);
  });

  connect(examples_, &ExampleStatistics::started, this, [this] {
    chart_->set_message(QString());
    set_summary("Measuring the example models…");
  });
  connect(examples_, &ExampleStatistics::trained_layer, this,
          [this](NormScheme s, double l, double v, double) { trained_.at(s)->addData(l, v); });
  connect(examples_, &ExampleStatistics::fresh_layer, this,
          [this](NormScheme s, double l, double v) { untrained_.at(s)->addData(l, v); });
  connect(examples_, &ExampleStatistics::updated, this, [this] {
    chart_->fit_to_data();
    chart_->xAxis->setRange(0.5, std::max(2.0, chart_->xAxis->range().upper));
    update_summary();
  });
  connect(examples_, &ExampleStatistics::finished, this, [this] {
    update_summary();
    emit finished();
  });
  connect(examples_, &ExampleStatistics::failed, this, [this](const QString& m) {
    chart_->set_message(m);
    emit failed(m);
  });
  return chart_;
}

void TrainedVarianceStep::start() { examples_->start(); }

void TrainedVarianceStep::clear() {
  TourStep::clear();
  for (auto* m : {&trained_, &untrained_})
    for (auto& [s, g] : *m) g->data()->clear();
  chart_->set_message("Loading the example models…");
  chart_->replot(QCustomPlot::rpQueuedReplot);
}

void TrainedVarianceStep::update_summary() {
  const QCPGraph* pre = graph(NormScheme::pre);
  const QCPGraph* lns = graph(NormScheme::lns);
  const double rp = last_over_first(pre), rl = last_over_first(lns);
  if (!std::isfinite(rp) || !std::isfinite(rl) || pre->data()->size() != lns->data()->size()) return;
  set_summary(QString("Last/first-layer variance ratio: %1 <b>%2</b> &nbsp;&nbsp; %3 <b>%4</b>. "
                      "In these examples the stream grows %5 from the first layer to the last with LNS "
                      "(the paper, LLaMA-130M after 10K steps: last layer ~175 with Pre-LN, ~25 with LNS).")
                  .arg(scheme_html(NormScheme::pre)).arg(rp, 0, 'f', 2)
                  .arg(scheme_html(NormScheme::lns)).arg(rl, 0, 'f', 2)
                  .arg(rl < rp ? "less than with Pre-LN" : "no less than with Pre-LN"));
}

}  // namespace depthscope::ui
