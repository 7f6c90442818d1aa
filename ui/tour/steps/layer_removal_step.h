#pragma once
// Tour step 5, removing layers: ΔPPL on a fixed text with each layer of the two example
// models bypassed in turn (core layer_removal_sweep), bars filling in as the sweep runs, and
// what it adds up to for the first and the second half of the layers.
#include <map>

#include "core/model/config.h"
#include "ui/tour/tour_step.h"

class QCPBars;

namespace depthscope::ui {

class Chart;
class TaskRunner;

class LayerRemovalStep : public TourStep {
  Q_OBJECT
 public:
  explicit LayerRemovalStep(QObject* parent = nullptr);
  ~LayerRemovalStep() override;
  QString title() const override { return "Removing layers: which ones cost little"; }
  QString text() const override;
  QWidget* make_figure() override;
  void start() override;
  void clear() override;
  Chart* chart() const { return chart_; }
  QCPBars* bars(NormScheme s) const;

 private:
  void update_summary();
  Chart* chart_ = nullptr;
  std::map<NormScheme, QCPBars*> bars_;
  std::map<NormScheme, double> baseline_;
  std::map<NormScheme, std::map<int, double>> delta_;  // layer -> ΔPPL as measured
  TaskRunner* runner_;
};

}  // namespace depthscope::ui
