#pragma once
// DifferenceTableModel: the difference table of `depthscope-cli runs compare`
// (core/store/run_summary.h), one row per compared run or checkpoint: final val PPL,
// last/first residual-variance ratio, nearly-identity layers (angular distance to the next
// layer < 0.2) and, for checkpoints, the mean ΔPPL of removing each layer of the deepest half.
// The table view, the CSV export and the composed export page all read this one model.
#include <vector>

#include <QAbstractTableModel>
#include <QString>

#include "ui/shared/csv_table.h"

namespace depthscope::ui {

struct CompareItem;

class DifferenceTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { item, kind, scheme, step, final_ppl, ppl_source, var_ratio, near_identity, deep_removal, column_count };

  explicit DifferenceTableModel(QObject* parent = nullptr);

  // The rows: these items, in this order (they must outlive the next set_items). `db` names
  // the run database in the runs' tooltips.
  void set_items(const std::vector<const CompareItem*>& items, const QString& db);
  // The items' numbers changed (same rows).
  void refresh();
  const CompareItem* item_at(int row) const { return items_.at(static_cast<std::size_t>(row)); }

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  int columnCount(const QModelIndex& parent = QModelIndex()) const override;
  // Display: the text; TextAlignment: numbers right; Decoration (item): the swatch;
  // Foreground (scheme): the item's colour; ToolTip: where the row or value comes from.
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // The table as CSV: the store's spelling of numbers (full precision, "nan"), the steps and
  // layers as their own columns, empty for "—".
  CsvTable csv() const;

 private:
  std::vector<const CompareItem*> items_;
  QString db_;
};

}  // namespace depthscope::ui
