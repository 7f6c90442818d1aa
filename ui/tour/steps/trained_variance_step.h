#pragma once
// Tour step 4, variance after training: the residual-stream variance by layer of the two
// example models on a fixed text, dashed the same shapes freshly initialised
// (ExampleStatistics, shared with step 1).
#include <map>

#include "core/model/config.h"
#include "ui/tour/tour_step.h"

class QCPGraph;

namespace depthscope::ui {

class Chart;
class ExampleStatistics;

class TrainedVarianceStep : public TourStep {
  Q_OBJECT
 public:
  explicit TrainedVarianceStep(ExampleStatistics* examples, QObject* parent = nullptr);
  QString title() const override { return "Variance after training: the example models"; }
  QString text() const override;
  QWidget* make_figure() override;
  void start() override;
  void clear() override;
  Chart* chart() const { return chart_; }
  QCPGraph* graph(NormScheme s) const;  // the trained example of scheme s

 private:
  void update_summary();
  ExampleStatistics* examples_;
  Chart* chart_ = nullptr;
  std::map<NormScheme, QCPGraph*> trained_, untrained_;
};

}  // namespace depthscope::ui
