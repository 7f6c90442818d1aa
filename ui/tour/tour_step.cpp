#include "ui/tour/tour_step.h"

#include "ui/shared/chart.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {

void TourStep::set_scale(double scale) {
  for (Chart* c : charts_) set_chart_fonts(c, scale);
}

void TourStep::set_summary(const QString& html) {
  summary_ = html;
  emit summary_changed(html);
}

Chart* TourStep::track(Chart* chart) {
  charts_ << chart;
  return chart;
}

}  // namespace depthscope::ui
