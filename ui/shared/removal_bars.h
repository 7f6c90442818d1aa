#pragma once
// The layer-removal chart's bars, as the paper draws them (Figure 1): per removed layer either
// ΔPPL, or — with a multiple-choice set — Δacc or Δacc_norm (accuracy with the layer removed
// minus the full model's, lm-eval's definitions: core/analysis/multiple_choice.h) with error
// bars of ±1 stderr of that configuration's accuracy. The entries are kept, so switching the
// metric redraws without recomputing. Inspect uses it; the CSV has every metric.
#include <vector>

#include <QColor>
#include <QString>

#include "core/analysis/layer_removal.h"
#include "ui/shared/csv_table.h"

class QCPBars;
class QCPErrorBars;

namespace depthscope::ui {

class Chart;

class RemovalBars {
 public:
  enum class Metric { ppl, acc, acc_norm };

  explicit RemovalBars(Chart* chart);

  void reset(const QColor& color);
  void add(const LayerRemovalEntry& entry);
  void set_baseline(const RemovalScore& baseline);
  void set_metric(Metric metric);
  Metric metric() const { return metric_; }
  // ΔPPL on a logarithmic axis (values below 0.001 drawn at 0.001, as the Tour draws them): layer
  // 1's ΔPPL of ~300 no longer flattens every other bar. The accuracy metrics stay linear.
  void set_log(bool on);
  bool log() const { return log_; }
  // Whether the entries carry accuracies (a multiple-choice set was scored).
  bool has_accuracy() const;
  double baseline_ppl() const { return baseline_.ppl; }

  // After the caller fitted the chart to its data: the accuracy metrics' y range (error bars
  // and 0 included).
  void refit() { fit_values(); }

  QCPBars* bars() const { return bars_; }
  QCPErrorBars* error_bars() const { return errors_; }
  CsvTable csv() const;

 private:
  void draw(const LayerRemovalEntry& e);
  void label_axes();
  void retitle();     // the subtitle: the metric and the full model's value
  void fit_values();  // the y range: bars, error bars and 0

  Chart* chart_;
  QCPBars* bars_;
  QCPErrorBars* errors_;
  std::vector<LayerRemovalEntry> entries_;
  RemovalScore baseline_;
  Metric metric_ = Metric::ppl;
  bool log_ = false;
};

// "ΔPPL", "Δacc", "Δacc_norm".
QString removal_metric_name(RemovalBars::Metric metric);

}  // namespace depthscope::ui
