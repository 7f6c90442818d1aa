#include "ui/train/train_csv.h"

#include "ui/train/smoothing.h"

namespace depthscope::ui {

CsvTable series_csv(const std::vector<const RunJob*>& runs, const std::map<std::int64_t, RunSeries>& data,
                    const std::string& key, std::optional<double> smoothing) {
  const bool smoothed = smoothing.has_value();
  const double w = smoothing.value_or(0);
  CsvTable t;
  t.header = {"run", "scheme", "step", QString::fromStdString(key)};
  if (smoothed) t.header << QString("smoothed (w=%1)").arg(w);
  for (const RunJob* r : runs) {
    auto it = data.find(r->run.id);
    const auto* s = it == data.end() ? nullptr : it->second.series(key);
    if (!s) continue;
    const std::vector<SmoothPoint> sm = smoothed ? debiased_ema(*s, w) : std::vector<SmoothPoint>{};
    std::size_t j = 0;
    for (const store::SeriesPoint& p : *s) {
      QStringList row{QString::number(r->run.id), QString::fromStdString(r->run.scheme), QString::number(p.step),
                      QString::number(p.value, 'g', 17)};
      if (smoothed) {
        while (j < sm.size() && sm[j].step < static_cast<double>(p.step)) ++j;
        row << (j < sm.size() && sm[j].step == static_cast<double>(p.step) ? QString::number(sm[j].value, 'g', 17) : QString());
      }
      t.rows << row;
    }
  }
  return t;
}

CsvTable heatmap_csv(std::int64_t run, const std::map<std::int64_t, RunSeries>& data) {
  CsvTable t;
  t.header = {"run", "step", "layer", "residual_variance"};
  auto it = data.find(run);
  if (it == data.end()) return t;
  for (const auto& [step, values] : it->second.residual)
    for (int l = 0; l < static_cast<int>(values.size()); ++l)
      t.rows << QStringList{QString::number(run), QString::number(step), QString::number(l + 1), QString::number(values[l], 'g', 17)};
  return t;
}

CsvTable variance_csv(const std::vector<const RunJob*>& runs, const std::map<std::int64_t, RunSeries>& data,
                      std::int64_t step) {
  CsvTable t;
  t.header = {"run", "scheme", "step", "layer", "residual_variance"};
  for (const RunJob* r : runs) {
    auto it = data.find(r->run.id);
    std::int64_t found = -1;
    const std::vector<double>* v = it == data.end() || step < 0 ? nullptr : it->second.residual_at(step, &found);
    if (!v) continue;
    for (int l = 0; l < static_cast<int>(v->size()); ++l)
      t.rows << QStringList{QString::number(r->run.id), QString::fromStdString(r->run.scheme), QString::number(found),
                            QString::number(l + 1), QString::number((*v)[l], 'g', 17)};
  }
  return t;
}

}  // namespace depthscope::ui
