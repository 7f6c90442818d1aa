#include "ui/tour/steps/tour_steps.h"

#include "ui/tour/steps/layer_removal_step.h"
#include "ui/tour/steps/live_training_step.h"
#include "ui/tour/steps/lns_step.h"
#include "ui/tour/steps/paper_summary_step.h"
#include "ui/tour/steps/residual_stream_step.h"
#include "ui/tour/steps/trained_variance_step.h"
#include "ui/tour/steps/variance_at_init_step.h"

namespace depthscope::ui {

std::vector<std::unique_ptr<TourStep>> make_tour_steps(ExampleStatistics* examples) {
  std::vector<std::unique_ptr<TourStep>> steps;
  steps.push_back(std::make_unique<ResidualStreamStep>(examples));   // 1 the residual stream
  steps.push_back(std::make_unique<VarianceAtInitStep>());           // 2 variance at initialisation
  steps.push_back(std::make_unique<LnsStep>());                      // 3 what LNS changes
  steps.push_back(std::make_unique<TrainedVarianceStep>(examples));  // 4 variance after training
  steps.push_back(std::make_unique<LayerRemovalStep>());             // 5 removing layers
  steps.push_back(std::make_unique<LiveTrainingStep>());             // 6 a tiny pair trained live
  steps.push_back(std::make_unique<PaperSummaryStep>());             // 7 what the paper measured
  return steps;
}

}  // namespace depthscope::ui
