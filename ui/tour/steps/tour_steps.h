#pragma once
// The steps of the Tour, in order. Adding a step: its file under ui/tour/steps/ (a TourStep)
// and one line in make_tour_steps (tour_steps.cpp).
#include <memory>
#include <vector>

#include "ui/tour/tour_step.h"

namespace depthscope::ui {

class ExampleStatistics;

// `examples`: the example models' statistics, shared by the steps that show them.
std::vector<std::unique_ptr<TourStep>> make_tour_steps(ExampleStatistics* examples);

}  // namespace depthscope::ui
