#pragma once
// The Compare tab's list of what can be compared: the runs of the run database (tick to
// compare) above the checkpoints added here (tick to show), each with its colour swatch.
#include <QListWidget>

namespace depthscope::ui {

struct CompareItem;

class CompareList : public QListWidget {
  Q_OBJECT
 public:
  explicit CompareList(QWidget* parent = nullptr);

  // Lists an item (runs before the checkpoints) and draws its row.
  void add(CompareItem* item);
  void remove(const CompareItem* item);
  // Draws an item's row again: its text, tooltip, swatch and tick. `db` names the database.
  void refresh(const CompareItem* item, const QString& db);
  void set_checked(const CompareItem* item, bool checked);
  // Makes the run's row current (no run_current signal); 0 or an unlisted run clears it.
  void select_run(qint64 run);
  // The checkpoint of the current row (null for a run or no row).
  CompareItem* current_checkpoint() const;

 signals:
  // The user (or set_checked) ticked or unticked an item.
  void toggled(depthscope::ui::CompareItem* item, bool checked);
  // The user made a run's row current.
  void run_current(qint64 run);

 private:
  QListWidgetItem* row(const CompareItem* item) const;
  static CompareItem* item_of(const QListWidgetItem* row);
  bool updating_ = false;
};

}  // namespace depthscope::ui
