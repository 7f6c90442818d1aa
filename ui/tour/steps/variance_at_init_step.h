#pragma once
// Tour step 2, variance at initialisation: a fresh 48-layer model of each scheme on random
// tokens (core variance_at_init), both curves filling in layer by layer.
#include <map>

#include "core/model/config.h"
#include "ui/tour/tour_step.h"

class QCPGraph;

namespace depthscope::ui {

class Chart;
class TaskRunner;

class VarianceAtInitStep : public TourStep {
  Q_OBJECT
 public:
  explicit VarianceAtInitStep(QObject* parent = nullptr);
  ~VarianceAtInitStep() override;
  QString title() const override { return "Variance at initialisation: Pre-LN vs LNS"; }
  QString text() const override;
  QWidget* make_figure() override;
  void start() override;
  void clear() override;
  Chart* chart() const { return chart_; }
  QCPGraph* graph(NormScheme s) const;

 private:
  Chart* chart_ = nullptr;
  std::map<NormScheme, QCPGraph*> graphs_;
  TaskRunner* runner_;
};

}  // namespace depthscope::ui
