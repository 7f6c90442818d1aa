#include "ui/compare/compare_item.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <QDir>
#include <QFileInfo>
#include <QPainter>

#include "core/store/run_summary.h"
#include "ui/shared/palette.h"

namespace depthscope::ui {

QString CompareItem::scheme_text() const {
  return scheme ? QString::fromStdString(display_name(SchemeChoice{*scheme, gpas})) : QString("?");
}

void CompareItem::update_checkpoint_numbers() {
  const int L = layers;
  final_ppl.reset();
  var_ratio.reset();
  near_identity.reset();
  deep_removal.reset();
  if (baseline_ppl > 0 && status == "analysed") final_ppl = baseline_ppl;
  if (L >= 1 && !std::isnan(variance[0]) && !std::isnan(variance[L - 1])) var_ratio = variance[L - 1] / variance[0];
  {
    int near = 0;
    bool all = L >= 1;
    for (int k = 0; k < L && all; ++k) {
      const double d = angular[k][0];  // d(k, k+1)
      if (std::isnan(d) && k < L) all = false;
      if (d < store::kNearIdentityAngularDistance) ++near;
    }
    if (all) near_identity = near;
  }
  if (L >= 2) {
    double sum = 0;
    int count = 0;
    for (int l = deep_first(); l <= L; ++l)
      if (!std::isnan(removal[l - 1])) {
        sum += removal[l - 1];
        ++count;
      }
    if (count == L / 2) deep_removal = sum / count;
  }
}

CompareItem* CompareItems::add(std::unique_ptr<CompareItem> item) {
  items_.push_back(std::move(item));
  return items_.back().get();
}

void CompareItems::remove(const CompareItem* item) {
  items_.erase(std::remove_if(items_.begin(), items_.end(), [&](const auto& p) { return p.get() == item; }), items_.end());
}

std::vector<CompareItem*> CompareItems::list_runs(const std::vector<store::RunRecord>& runs, bool* live) {
  std::vector<CompareItem*> added;
  *live = false;
  for (const store::RunRecord& r : runs) {
    CompareItem* item = find_run(r.id);
    if (!item) {
      auto owned = std::make_unique<CompareItem>();
      owned->kind = CompareItem::run;
      owned->run_id = r.id;
      item = add(std::move(owned));
      added.push_back(item);
    }
    item->label = QString("#%1 %2").arg(r.id).arg(QString::fromStdString(r.name));
    const std::optional<SchemeChoice> choice = scheme_of(r.scheme);
    item->scheme = choice ? std::optional<NormScheme>(choice->scheme) : std::nullopt;
    item->gpas = choice && choice->gpas;
    item->experiment = r.experiment_id.value_or(0);
    item->status = QString::fromStdString(std::string(store::to_string(r.status)));
    item->step = std::max(item->step, r.step);
    item->steps = r.steps;
    if (!item->scheme) item->color = QColor(0x59, 0x59, 0x59);
    *live = *live || (item->checked && !store::is_terminal(r.status));
  }
  return added;
}

void CompareItems::remove_runs() {
  items_.erase(std::remove_if(items_.begin(), items_.end(), [](const auto& p) { return p->kind == CompareItem::run; }),
               items_.end());
}

CompareItem* CompareItems::find_run(std::int64_t run) const {
  for (const auto& i : items_)
    if (i->kind == CompareItem::run && i->run_id == run) return i.get();
  return nullptr;
}

CompareItem* CompareItems::find_checkpoint(const QString& path) const {
  const QString p = normalise_checkpoint(path).isEmpty() ? path : normalise_checkpoint(path);
  for (const auto& i : items_)
    if (i->kind == CompareItem::checkpoint && (i->path == p || i->path == path)) return i.get();
  return nullptr;
}

std::vector<CompareItem*> CompareItems::compared() const {
  std::vector<CompareItem*> out;
  for (const auto& i : items_)
    if (i->checked && i->kind == CompareItem::run) out.push_back(i.get());
  for (const auto& i : items_)
    if (i->checked && i->kind == CompareItem::checkpoint) out.push_back(i.get());
  return out;
}

std::vector<CompareItem*> CompareItems::all() const {
  std::vector<CompareItem*> out;
  for (const auto& i : items_) out.push_back(i.get());
  return out;
}

void CompareItems::assign_styles() {
  std::map<int, int> seen;
  const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
  for (CompareItem* item : compared()) {
    const int key = item->scheme ? static_cast<int>(*item->scheme) : -1;
    const int n = seen[key]++;
    item->color = item->scheme ? scheme_color(*item->scheme) : QColor(0x59, 0x59, 0x59);
    item->style = styles[std::min(n, 3)];
  }
  for (const auto& i : items_)
    if (!i->checked) {
      i->color = i->scheme ? scheme_color(*i->scheme) : QColor(0x59, 0x59, 0x59);
      i->style = Qt::SolidLine;
    }
}

QPixmap swatch(const QColor& color, Qt::PenStyle style) {
  QPixmap pm(28, 14);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(color, 3, style, Qt::FlatCap));
  p.drawLine(2, 7, 26, 7);
  p.setPen(Qt::NoPen);
  p.setBrush(color);
  p.drawEllipse(QPointF(14, 7), 3.2, 3.2);
  return pm;
}

QString normalise_checkpoint(const QString& path) {
  QFileInfo fi(path);
  if (fi.isFile()) {
    const QDir dir = fi.absoluteDir();
    if (fi.fileName() == "config.json" || fi.fileName() == "tokenizer.json" ||
        (fi.fileName() == "model.safetensors" && dir.exists("config.json")))
      return QFileInfo(dir.absolutePath()).canonicalFilePath();
  }
  return fi.canonicalFilePath();
}

QString checkpoint_label(const QString& path) {
  const QFileInfo fi(path);
  QString name = fi.isDir() ? fi.fileName() : fi.completeBaseName();
  const QString parent = fi.absoluteDir().dirName();
  if (name.startsWith("step-") || name == "model" || name == "checkpoint") name = parent + "/" + name;
  return name;
}

std::optional<SchemeChoice> scheme_of(const std::string& word) {
  try {
    return parse_scheme_choice(word);
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace depthscope::ui
