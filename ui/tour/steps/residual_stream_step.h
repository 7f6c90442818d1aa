#pragma once
// Tour step 1, the residual stream and what a block adds: the diagram, and the size of each
// block's update relative to the stream in the two trained example models
// (ExampleStatistics, shared with step 4).
#include <map>

#include "core/model/config.h"
#include "ui/tour/tour_step.h"

class QCPGraph;

namespace depthscope::ui {

class Chart;
class ExampleStatistics;
class ResidualDiagram;

class ResidualStreamStep : public TourStep {
  Q_OBJECT
 public:
  explicit ResidualStreamStep(ExampleStatistics* examples, QObject* parent = nullptr);
  QString title() const override { return "The residual stream: what a block adds"; }
  QString text() const override;
  QWidget* make_figure() override;
  void start() override;
  void clear() override;
  void set_scale(double scale) override;
  Chart* chart() const { return chart_; }

 private:
  void update_summary();
  ExampleStatistics* examples_;
  ResidualDiagram* diagram_ = nullptr;
  Chart* chart_ = nullptr;
  std::map<NormScheme, QCPGraph*> graphs_;  // attention + MLP update ratios
};

}  // namespace depthscope::ui
