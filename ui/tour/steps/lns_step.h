#pragma once
// Tour step 3, what LayerNorm Scaling changes: the two block formulas, the one line of code in
// core/model/transformer.cpp, and the factor 1/√l per layer. A static figure.
#include "ui/tour/tour_step.h"

class QLabel;

namespace depthscope::ui {

class LnsStep : public TourStep {
  Q_OBJECT
 public:
  using TourStep::TourStep;
  QString title() const override { return "What LayerNorm Scaling changes"; }
  QString text() const override;
  QWidget* make_figure() override;
  void set_scale(double scale) override;

 private:
  QLabel* formula_ = nullptr;
  QLabel* code_ = nullptr;
};

}  // namespace depthscope::ui
