#pragma once
// The workspace browser (left dock): Checkpoints, Runs and Recent. The Recent list is kept
// in QSettings ("recent/paths", newest first, at most kMaxRecent entries). Runs lists the
// training runs of the open run database (newest first, with a status dot); selecting one
// emits run_selected (the main window shows it in the Train tab). follow() binds the Runs
// section to the RunsModel: its list, and its selection both ways.
#include <cstdint>
#include <vector>

#include <QStringList>
#include <QWidget>

class QTreeWidget;
class QTreeWidgetItem;

namespace depthscope::ui {

struct RunJob;
class RunsModel;

constexpr int kMaxRecent = 12;

// Read / update the stored Recent list (newest first, no duplicates).
QStringList recent_paths();
QStringList remember_recent_path(const QString& path);

class WorkspaceBrowser : public QWidget {
  Q_OBJECT
 public:
  explicit WorkspaceBrowser(QWidget* parent = nullptr);

  // Adds `path` to Recent (and QSettings).
  void add_recent(const QString& path);
  // Lists a loaded checkpoint under Checkpoints (label shown, path in the tooltip).
  void add_checkpoint(const QString& label, const QString& path);
  QStringList recent() const { return recent_paths(); }
  // Replaces the Runs section (runs ordered by id; shown newest first).
  void set_runs(const std::vector<RunJob>& runs);
  // Lists the model's runs from now on; a click activates the run in the model, and a run
  // selected elsewhere becomes the current entry here.
  void follow(RunsModel* runs);
  // The Runs entry of a run (null when not listed), for tests.
  QTreeWidgetItem* run_item(std::int64_t run) const;
  QTreeWidget* tree() const { return tree_; }

 signals:
  // Double-click on a checkpoint or recent entry.
  void open_requested(const QString& path);
  // A run was clicked under Runs.
  void run_selected(qint64 run);

 private:
  void rebuild_recent();
  static void set_placeholder(QTreeWidgetItem* group, const QString& text);

  QTreeWidget* tree_;
  QTreeWidgetItem* checkpoints_;
  QTreeWidgetItem* runs_;
  QTreeWidgetItem* recent_;
};

}  // namespace depthscope::ui
