#pragma once
// Number formatting shared by panels.
#include <QString>

namespace depthscope::ui {

// "1.23M", "260.1K", "7.00B", "512".
QString human_count(double n);

// The run database's spelling of a number in CSV and tables (docs/runs.md): "nan", "inf",
// "-inf", else `digits` significant digits.
QString store_number(double v, int digits = 9);

}  // namespace depthscope::ui
