#pragma once
// The tables on the Compare tab (the difference table, the seeds table): a read-only QTableView
// as tall as its rows (the page scrolls, not the table), the first column stretched.
#include <QTableView>

namespace depthscope::ui {


class DifferenceTableView : public QTableView {
  Q_OBJECT
 public:
  DifferenceTableView(QAbstractItemModel* model, const QString& name, const QString& tooltip,
                      QWidget* parent = nullptr);

  // Columns to their contents, the height to the rows (after the model changed).
  void fit();
};

}  // namespace depthscope::ui
