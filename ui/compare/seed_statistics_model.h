#pragma once
// SeedStatisticsModel: the seeds table of the Compare tab. The ticked runs grouped by scheme
// (their seeds) with the numbers of `depthscope-cli runs compare --json`'s "groups" and
// "pairs" (core/store/scheme_comparison.h, computed there once): for final val PPL,
// last/first variance ratio and mean removal cost, each scheme's mean ± sample sd (n), and
// for each pair of schemes the difference of means, its 95% CI and Welch's p-value ("n too
// small" under 3 runs each). Empty unless some scheme has two ticked runs with data.
#include <vector>

#include <QAbstractTableModel>
#include <QString>

#include "core/store/scheme_comparison.h"
#include "ui/shared/csv_table.h"

namespace depthscope::ui {

struct CompareItem;

class SeedStatisticsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { metric, scheme_a, scheme_b, difference, ci95, p_value, column_count };

  explicit SeedStatisticsModel(QObject* parent = nullptr);

  // The compared items (checkpoints and runs without data are left out).
  void set_items(const std::vector<const CompareItem*>& items);
  const store::SchemeComparison& comparison() const { return comparison_; }

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  int columnCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
  CsvTable csv() const;

 private:
  struct Row {
    QString cells[column_count];
    QString tooltip;
  };
  store::SchemeComparison comparison_;
  std::vector<Row> rows_;
};

// "final val PPL", "var L / var 1", "mean removal ΔPPL".
QString comparison_metric_label(const std::string& metric);

}  // namespace depthscope::ui
