#include "ui/compare/seed_statistics_model.h"

#include <cmath>

#include "ui/compare/compare_item.h"
#include "ui/shared/palette.h"
#include "ui/shared/text_format.h"

namespace depthscope::ui {

namespace {

// "11.59 ± 0.21 (n = 3)"
QString group_cell(const store::SchemeGroup& g, const store::MetricGroup& m) {
  if (m.values.empty()) return QString("%1: no value").arg(scheme_word_label(g.scheme));
  const QString sd = m.values.size() > 1 ? " ± " + store_number(m.std, 4) : QString();
  return QString("%1: %2%3 (n = %4)").arg(scheme_word_label(g.scheme), store_number(m.mean, 4), sd).arg(m.values.size());
}

}  // namespace

QString comparison_metric_label(const std::string& metric) {
  if (metric == "final_val_ppl") return "final val PPL";
  if (metric == "residual_variance_ratio") return "var L / var 1";
  if (metric == "mean_removal_delta_ppl") return "mean removal ΔPPL";
  return QString::fromStdString(metric);
}

SeedStatisticsModel::SeedStatisticsModel(QObject* parent) : QAbstractTableModel(parent) {}

void SeedStatisticsModel::set_items(const std::vector<const CompareItem*>& items) {
  beginResetModel();
  std::vector<store::RunSummary> runs;
  for (const CompareItem* item : items)
    if (item->kind == CompareItem::run && item->has_data) runs.push_back(item->summary);
  comparison_ = store::compare_schemes(runs);
  rows_.clear();
  bool seeds = false;
  for (const store::SchemeGroup& g : comparison_.groups) seeds = seeds || g.runs.size() >= 2;
  if (seeds) {
    if (comparison_.pairs.empty()) {
      // One scheme: its groups' numbers alone.
      for (const store::SchemeGroup& g : comparison_.groups)
        for (const store::MetricGroup& m : g.metrics) {
          Row r;
          r.cells[metric] = comparison_metric_label(m.metric);
          r.cells[scheme_a] = group_cell(g, m);
          r.cells[p_value] = "one scheme: nothing to test";
          rows_.push_back(r);
        }
    }
    for (const store::SchemePair& p : comparison_.pairs) {
      const store::SchemeGroup* a = nullptr;
      const store::SchemeGroup* b = nullptr;
      for (const store::SchemeGroup& g : comparison_.groups) {
        if (g.scheme == p.a) a = &g;
        if (g.scheme == p.b) b = &g;
      }
      Row r;
      r.cells[metric] = comparison_metric_label(p.metric);
      r.cells[scheme_a] = group_cell(*a, a->metric(p.metric));
      r.cells[scheme_b] = group_cell(*b, b->metric(p.metric));
      r.cells[difference] = std::isnan(p.difference) ? QString("—") : store_number(p.difference, 4);
      r.cells[ci95] = p.ci95 ? QString("[%1, %2]").arg(store_number(p.ci95->first, 4), store_number(p.ci95->second, 4)) : QString("—");
      r.cells[p_value] = QString::fromStdString(store::p_value_words(p));
      r.tooltip = QString("%1 − %2 of the means of %3. 95% CI and p-value: Welch's t-test (unequal variances), "
                          "as `runs compare --json` gives them.")
                      .arg(scheme_word_label(p.a), scheme_word_label(p.b), r.cells[metric]);
      rows_.push_back(r);
    }
  }
  endResetModel();
}

int SeedStatisticsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int SeedStatisticsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : column_count; }

QVariant SeedStatisticsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const Row& r = rows_[static_cast<std::size_t>(index.row())];
  if (role == Qt::DisplayRole) return r.cells[index.column()];
  if (role == Qt::ToolTipRole) return r.tooltip;
  if (role == Qt::TextAlignmentRole && (index.column() == difference))
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  return {};
}

QVariant SeedStatisticsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"metric", "scheme a: mean ± sd (n)", "scheme b: mean ± sd (n)", "a − b", "95% CI",
                                "Welch p-value"};
  return names[section];
}

CsvTable SeedStatisticsModel::csv() const {
  CsvTable t;
  for (int c = 0; c < column_count; ++c) t.header << headerData(c, Qt::Horizontal).toString();
  for (const Row& r : rows_) {
    QStringList cells;
    for (const QString& c : r.cells) cells << c;
    t.rows << cells;
  }
  return t;
}

}  // namespace depthscope::ui
