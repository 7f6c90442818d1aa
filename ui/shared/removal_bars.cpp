#include "ui/shared/removal_bars.h"

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/shared/text_format.h"

namespace depthscope::ui {

namespace {

constexpr double kLogFloor = 1e-3;  // ΔPPL drawn on a log axis: smaller values at this floor

}  // namespace

QString removal_metric_name(RemovalBars::Metric metric) {
  switch (metric) {
    case RemovalBars::Metric::acc: return "Δacc";
    case RemovalBars::Metric::acc_norm: return "Δacc_norm";
    default: return "ΔPPL";
  }
}

RemovalBars::RemovalBars(Chart* chart) : chart_(chart) {
  bars_ = new QCPBars(chart_->xAxis, chart_->yAxis);
  bars_->setName("ΔPPL");
  bars_->setWidth(0.7);
  errors_ = new QCPErrorBars(chart_->xAxis, chart_->yAxis);
  errors_->setName("±1 stderr");
  errors_->setDataPlottable(bars_);
  errors_->setPen(QPen(chart_text_color(), 1.2));
  errors_->setWhiskerWidth(5);
  errors_->removeFromLegend();
  chart_->set_tooltip([this](const QString&, double l, double d) {
    for (const LayerRemovalEntry& e : entries_) {
      if (e.layer != static_cast<std::int64_t>(std::lround(l))) continue;
      if (metric_ == Metric::ppl)
        return QString("without layer %1\nΔPPL = %2 (PPL %3)").arg(e.layer).arg(store_number(e.delta_ppl, 5)).arg(store_number(e.score.ppl, 5));
      const bool norm = metric_ == Metric::acc_norm;
      return QString("without layer %1\n%2 = %3 (%4 %5 ± %6 stderr)")
          .arg(e.layer)
          .arg(removal_metric_name(metric_), store_number(d, 4), norm ? "acc_norm" : "acc")
          .arg(store_number(norm ? e.score.acc_norm : e.score.accuracy, 4), store_number(norm ? e.score.acc_norm_stderr : e.score.acc_stderr, 3));
    }
    return QString();
  });
  label_axes();
}

void RemovalBars::reset(const QColor& color) {
  entries_.clear();
  baseline_ = RemovalScore();
  bars_->data()->clear();
  errors_->data()->clear();
  bars_->setPen(QPen(color.darker(115), 1));
  bars_->setBrush(color);
}

void RemovalBars::add(const LayerRemovalEntry& entry) {
  entries_.push_back(entry);
  draw(entry);
}

void RemovalBars::set_baseline(const RemovalScore& baseline) {
  baseline_ = baseline;
  retitle();
}

void RemovalBars::retitle() {
  if (baseline_.ppl == 0) return;  // not known yet: the caller's title stays
  QString sub = QString("ΔPPL when one layer is bypassed · full model PPL %1").arg(store_number(baseline_.ppl, 5));
  if (metric_ != Metric::ppl) {
    const bool norm = metric_ == Metric::acc_norm;
    sub = QString("%1 when one layer is bypassed · full model %2 %3 ± %4 (lm-eval's definitions)")
              .arg(removal_metric_name(metric_), norm ? "acc_norm" : "acc",
                   store_number(norm ? baseline_.acc_norm : baseline_.accuracy, 4),
                   store_number(norm ? baseline_.acc_norm_stderr : baseline_.acc_stderr, 3));
  }
  chart_->set_title("Removal impact", sub);
}

void RemovalBars::fit_values() {
  chart_->fit_to_data();
  if (metric_ == Metric::ppl || entries_.empty()) return;
  // The accuracy bars with their error bars, and 0.
  double lo = 0, hi = 0;
  for (int i = 0; i < bars_->dataCount(); ++i) {
    const double v = bars_->data()->at(i)->value;
    const double e = i < errors_->dataCount() ? errors_->data()->at(i).errorPlus : 0;
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v - (std::isfinite(e) ? e : 0));
    hi = std::max(hi, v + (std::isfinite(e) ? e : 0));
  }
  const double pad = std::max(0.05 * (hi - lo), 0.01);
  chart_->yAxis->setRange(lo - pad, hi + pad);
}

bool RemovalBars::has_accuracy() const { return !entries_.empty() && !std::isnan(entries_.front().score.accuracy); }

void RemovalBars::set_log(bool on) {
  log_ = on;
  set_metric(metric_);
}

void RemovalBars::set_metric(Metric metric) {
  metric_ = metric;
  chart_->set_log_y(log_ && metric_ == Metric::ppl);
  bars_->setBaseValue(log_ && metric_ == Metric::ppl ? kLogFloor : 0);
  bars_->data()->clear();
  errors_->data()->clear();
  for (const LayerRemovalEntry& e : entries_) draw(e);
  label_axes();
  retitle();
  fit_values();
  chart_->replot(QCustomPlot::rpQueuedReplot);
}

void RemovalBars::draw(const LayerRemovalEntry& e) {
  const double l = static_cast<double>(e.layer);
  switch (metric_) {
    case Metric::ppl:
      bars_->addData(l, log_ ? std::max(e.delta_ppl, kLogFloor) : e.delta_ppl);
      errors_->addData(std::nan(""));
      break;
    case Metric::acc:
      bars_->addData(l, e.delta_accuracy);
      errors_->addData(e.score.acc_stderr);
      break;
    case Metric::acc_norm:
      bars_->addData(l, e.delta_acc_norm);
      errors_->addData(e.score.acc_norm_stderr);
      break;
  }
  errors_->setVisible(metric_ != Metric::ppl);
}

void RemovalBars::label_axes() {
  bars_->setName(removal_metric_name(metric_));
  chart_->set_axis_labels("removed layer l", metric_ == Metric::ppl ? (log_ ? "ΔPPL  (log scale; < 0.001 at 0.001)"
                                                                          : "ΔPPL  (perplexity change)")
                                             : metric_ == Metric::acc
                                                 ? "Δacc  (± 1 stderr of acc)"
                                                 : "Δacc_norm  (± 1 stderr of acc_norm)");
}

CsvTable RemovalBars::csv() const {
  CsvTable t{{"layer", "delta_ppl", "ppl", "acc", "acc_stderr", "delta_acc", "acc_norm", "acc_norm_stderr",
              "delta_acc_norm"},
             {}};
  for (const LayerRemovalEntry& e : entries_)
    t.rows << QStringList{QString::number(e.layer),       store_number(e.delta_ppl),          store_number(e.score.ppl),
                          store_number(e.score.accuracy),          store_number(e.score.acc_stderr),   store_number(e.delta_accuracy),
                          store_number(e.score.acc_norm),          store_number(e.score.acc_norm_stderr), store_number(e.delta_acc_norm)};
  return t;
}

}  // namespace depthscope::ui
