#include "ui/shared/text_format.h"

#include <cmath>

namespace depthscope::ui {

QString human_count(double n) {
  if (n >= 1e9) return QString::number(n / 1e9, 'f', 2) + "B";
  if (n >= 1e6) return QString::number(n / 1e6, 'f', 2) + "M";
  if (n >= 1e3) return QString::number(n / 1e3, 'f', 1) + "K";
  return QString::number(n, 'f', 0);
}

QString store_number(double v, int digits) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return QString::number(v, 'g', digits);
}

}  // namespace depthscope::ui
