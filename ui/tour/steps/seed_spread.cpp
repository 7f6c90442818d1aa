#include "ui/tour/steps/seed_spread.h"

#include <algorithm>
#include <cmath>

#include <QStringList>

#include "core/model/config.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {

namespace {

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double spread(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *hi - *lo;
}

QString values(const std::vector<double>& v) {
  QStringList s;
  for (double x : v) s << QString::number(x, 'f', 2);
  return s.join(" and ");
}

}  // namespace

QString seed_spread_words(const std::vector<double>& pre, const std::vector<double>& lns) {
  if (pre.empty() || lns.empty()) return QString();
  for (const std::vector<double>* v : {&pre, &lns})
    for (double x : *v)
      if (!std::isfinite(x)) return "A run ended without a finite validation PPL: nothing to compare.";
  const double difference = std::fabs(mean(pre) - mean(lns));
  const QString better = mean(lns) < mean(pre) ? scheme_html(NormScheme::lns) : scheme_html(NormScheme::pre);
  QString out = QString("Final validation PPL by seed: %1 %2, %3 %4. ")
                    .arg(scheme_html(NormScheme::pre), values(pre), scheme_html(NormScheme::lns), values(lns));
  if (pre.size() < 2 || lns.size() < 2)
    return out + "With one seed per scheme the spread between seeds is unknown, so this difference "
                 "(" + QString::number(difference, 'f', 2) + ") cannot be judged.";
  const double seeds = std::max(spread(pre), spread(lns));
  if (difference > seeds)
    out += QString("The difference between the schemes' means (%1, lower with %2) is <b>larger</b> than the spread "
                   "between seeds (at most %3): here both seeds agree on the better scheme.")
               .arg(difference, 0, 'f', 2).arg(better).arg(seeds, 0, 'f', 2);
  else
    out += QString("The difference between the schemes' means (%1) is <b>not larger</b> than the spread between "
                   "seeds (up to %2): these runs cannot tell the schemes apart.")
               .arg(difference, 0, 'f', 2).arg(seeds, 0, 'f', 2);
  return out + " Two seeds are a hint, not a test: train three or more and <tt>runs compare</tt> gives Welch's "
               "p-value.";
}

}  // namespace depthscope::ui
