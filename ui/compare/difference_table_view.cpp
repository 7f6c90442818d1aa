#include "ui/compare/difference_table_view.h"

#include <QHeaderView>


namespace depthscope::ui {

DifferenceTableView::DifferenceTableView(QAbstractItemModel* model, const QString& name, const QString& tooltip,
                                         QWidget* parent)
    : QTableView(parent) {
  setModel(model);
  setObjectName(name);
  setToolTip(tooltip);
  verticalHeader()->setVisible(false);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionMode(QAbstractItemView::NoSelection);
  setAlternatingRowColors(true);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  connect(model, &QAbstractItemModel::modelReset, this, &DifferenceTableView::fit);
  connect(model, &QAbstractItemModel::dataChanged, this, &DifferenceTableView::fit);
  fit();
}

void DifferenceTableView::fit() {
  resizeColumnsToContents();
  horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  const int rows_h = verticalHeader()->length();
  setFixedHeight(horizontalHeader()->height() + rows_h + 2 * frameWidth() + 2);
}

}  // namespace depthscope::ui
