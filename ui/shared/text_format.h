#pragma once
// Number formatting shared by panels.
#include <QString>

namespace depthscope::ui {

// "1.23M", "260.1K", "7.00B", "512".
QString human_count(double n);

}  // namespace depthscope::ui
