#include "ui/compare/difference_table_view.h"

#include <QHeaderView>

#include "ui/compare/difference_table_model.h"

namespace depthscope::ui {

DifferenceTableView::DifferenceTableView(DifferenceTableModel* model, QWidget* parent) : QTableView(parent) {
  setModel(model);
  setObjectName("difference_table");
  setToolTip("The numbers of `depthscope-cli runs compare`, one row per compared run or checkpoint");
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
