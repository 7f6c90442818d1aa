#include "ui/compare/difference_table_model.h"

#include <cmath>

#include <QIcon>

#include "ui/compare/compare_item.h"
#include "ui/shared/text_format.h"

namespace depthscope::ui {
namespace {

QString num(double v, int digits) { return QString::number(v, 'g', digits); }
QString opt_num(const std::optional<double>& v, int digits = 4) { return v ? num(*v, digits) : QString("—"); }

const char* kHeaders[] = {"Item", "Kind", "Scheme", "Step", "Final val PPL", "PPL measured on",
                          "Var ratio L/1", "Nearly-identity layers", "Mean ΔPPL, deepest half"};
const char* kHeaderTips[] = {
    "The run or checkpoint",
    "run (from the run database) or checkpoint (analysed here)",
    "Norm scheme (one colour per scheme in every chart)",
    "Runs: the furthest step reached / planned steps",
    "Runs: val/ppl at its last evaluation. Checkpoints: perplexity of the full model on the evaluation text",
    "Where the perplexity was measured",
    "residual_variance of layer L divided by that of layer 1 (the Curse of Depth's signature: Pre-LN grows "
    "with depth, LNS much less)",
    "Layers whose angular distance to the next layer is below 0.2: nearly the identity",
    "Checkpoints: mean perplexity increase when one layer of the deepest half (the last ⌊L/2⌋ layers) is "
    "bypassed; small means the deep layers do little"};

}  // namespace

DifferenceTableModel::DifferenceTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void DifferenceTableModel::set_items(const std::vector<const CompareItem*>& items, const QString& db) {
  beginResetModel();
  items_ = items;
  db_ = db;
  endResetModel();
}

void DifferenceTableModel::refresh() {
  if (!items_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, column_count - 1));
}

int DifferenceTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(items_.size());
}

int DifferenceTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : column_count; }

QVariant DifferenceTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= column_count) return {};
  if (role == Qt::DisplayRole) return QString(kHeaders[section]);
  if (role == Qt::ToolTipRole) return QString(kHeaderTips[section]);
  return {};
}

QVariant DifferenceTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const CompareItem* it = items_[static_cast<std::size_t>(index.row())];
  const bool run = it->kind == CompareItem::run;
  const int c = index.column();
  const bool text_column = c == item || c == kind || c == scheme || c == ppl_source;
  switch (role) {
    case Qt::DisplayRole:
      switch (c) {
        case item: return it->label;
        case kind: return run ? QString("run") : QString("checkpoint");
        case scheme: return it->scheme_text();
        case step: return run ? QString("%1/%2").arg(it->step).arg(it->steps) : QString("—");
        case final_ppl: return opt_num(it->final_ppl, 5);
        case ppl_source: return it->final_ppl ? it->ppl_source : QString("—");
        case var_ratio: return opt_num(it->var_ratio, 4);
        case near_identity:
          return it->near_identity ? QString("%1 of %2").arg(*it->near_identity).arg(it->layers) : QString("—");
        case deep_removal: return run ? QString("—") : opt_num(it->deep_removal, 4);
      }
      return {};
    case Qt::TextAlignmentRole:
      return static_cast<int>((text_column ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
    case Qt::DecorationRole:
      if (c == item) return QIcon(swatch(it->color, it->style));
      return {};
    case Qt::ForegroundRole:
      if (c == scheme) return it->color;
      return {};
    case Qt::ToolTipRole:
      if (c == item) return run ? QString("Run %1 of %2").arg(it->run_id).arg(db_) : it->path;
      if (c == deep_removal && run) return QString("Removal impact needs a checkpoint: add the run's checkpoint to compute it");
      return {};
  }
  return {};
}

CsvTable DifferenceTableModel::csv() const {
  CsvTable t{{"item", "kind", "scheme", "step", "steps", "final_val_ppl", "ppl_measured_on", "residual_variance_ratio",
              "near_identity_layers", "layers", "deep_half_mean_delta_ppl"},
             {}};
  const auto opt = [](const auto& v) { return v ? store_number(double(*v)) : QString(); };
  for (const CompareItem* it : items_) {
    const bool run = it->kind == CompareItem::run;
    t.rows << QStringList{it->label,
                          run ? "run" : "checkpoint",
                          it->scheme ? QString::fromStdString(to_string(SchemeChoice{*it->scheme, it->gpas})) : QString(),
                          run ? QString::number(it->step) : QString(),
                          run ? QString::number(it->steps) : QString(),
                          opt(it->final_ppl),
                          it->final_ppl ? it->ppl_source : QString(),
                          opt(it->var_ratio),
                          it->near_identity ? QString::number(*it->near_identity) : QString(),
                          it->layers > 0 ? QString::number(it->layers) : QString(),
                          opt(it->deep_removal)};
  }
  return t;
}

}  // namespace depthscope::ui
