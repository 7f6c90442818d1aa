#pragma once
// The difference table on the Compare tab: a read-only QTableView over DifferenceTableModel,
// as tall as its rows (the page scrolls, not the table), the item column stretched.
#include <QTableView>

namespace depthscope::ui {

class DifferenceTableModel;

class DifferenceTableView : public QTableView {
  Q_OBJECT
 public:
  explicit DifferenceTableView(DifferenceTableModel* model, QWidget* parent = nullptr);

  // Columns to their contents, the height to the rows (after the model changed).
  void fit();
};

}  // namespace depthscope::ui
