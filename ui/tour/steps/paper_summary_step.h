#pragma once
// Tour step 7, what the paper measured: validation perplexity of Pre-LN and LNS at four model
// sizes (Sun et al. 2025, Table 1) and the paper's findings in five lines. A static figure.
#include "ui/tour/tour_step.h"

class QLabel;

namespace depthscope::ui {

class PaperSummaryStep : public TourStep {
  Q_OBJECT
 public:
  using TourStep::TourStep;
  QString title() const override { return "Summary: what the paper measured"; }
  QString text() const override;
  QWidget* make_figure() override;
  void set_scale(double scale) override;

 private:
  QLabel* findings_ = nullptr;
};

}  // namespace depthscope::ui
