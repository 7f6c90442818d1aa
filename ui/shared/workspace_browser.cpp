#include "ui/shared/workspace_browser.h"

#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QSettings>
#include <QSignalBlocker>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <QPainter>

#include "ui/shared/job_list.h"
#include "ui/shared/palette.h"
#include "ui/shared/workspace_drag.h"
#include "ui/train/runs_model.h"

namespace depthscope::ui {
namespace {
constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kRunRole = Qt::UserRole + 2;
const char* kRecentKey = "recent/paths";

QTreeWidgetItem* group_item(QTreeWidget* tree, const QString& name) {
  auto* item = new QTreeWidgetItem(tree, {name});
  QFont f = item->font(0);
  f.setBold(true);
  item->setFont(0, f);
  item->setFlags(Qt::ItemIsEnabled);
  item->setExpanded(true);
  return item;
}

// The tree, with drag support: selected runs and checkpoints drag onto the Compare tab (runs as
// ids, checkpoints as file URLs).
class WorkspaceTree : public QTreeWidget {
 public:
  using QTreeWidget::QTreeWidget;

 protected:
  QStringList mimeTypes() const override { return {kRunsMimeType, "text/uri-list"}; }
  QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override {
    QList<qint64> runs;
    QStringList paths;
    for (const QTreeWidgetItem* item : items) {
      if (const QVariant run = item->data(0, kRunRole); run.isValid()) runs << run.toLongLong();
      if (const QString path = item->data(0, kPathRole).toString(); !path.isEmpty()) paths << path;
    }
    return workspace_mime_data(runs, paths);
  }
};

QString short_label(const QString& path) {
  const QFileInfo info(path);
  // "…/my-run/step-400" reads better than just "step-400".
  const QString parent = info.dir().dirName();
  return parent.isEmpty() || parent == "." ? info.fileName() : parent + "/" + info.fileName();
}
}  // namespace

QStringList recent_paths() { return QSettings().value(kRecentKey).toStringList(); }

QStringList remember_recent_path(const QString& path) {
  const QString clean = QFileInfo(path).absoluteFilePath();
  QStringList list = recent_paths();
  list.removeAll(clean);
  list.prepend(clean);
  while (list.size() > kMaxRecent) list.removeLast();
  QSettings().setValue(kRecentKey, list);
  return list;
}

WorkspaceBrowser::WorkspaceBrowser(QWidget* parent) : QWidget(parent) {
  tree_ = new WorkspaceTree(this);
  tree_->setHeaderHidden(true);
  tree_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  tree_->setDragEnabled(true);
  tree_->setDragDropMode(QAbstractItemView::DragOnly);
  tree_->setRootIsDecorated(true);
  tree_->setIndentation(14);
  tree_->setUniformRowHeights(true);
  checkpoints_ = group_item(tree_, "Checkpoints");
  runs_ = group_item(tree_, "Runs");
  recent_ = group_item(tree_, "Recent");
  set_placeholder(checkpoints_, "none loaded (Ctrl+O to open)");
  set_placeholder(runs_, "no training runs yet (Ctrl+N)");
  rebuild_recent();

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(tree_);

  tree_->setToolTip("Double-click a checkpoint to open it; click a run to show it in the Train tab; drag runs or "
                     "checkpoints onto the Compare tab to compare them");
  connect(tree_, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item, int) {
    const QVariant run = item->data(0, kRunRole);
    if (run.isValid()) emit run_selected(run.toLongLong());
  });
  connect(tree_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item, int) {
    const QString path = item->data(0, kPathRole).toString();
    if (!path.isEmpty()) emit open_requested(path);
  });
}

void WorkspaceBrowser::set_placeholder(QTreeWidgetItem* group, const QString& text) {
  auto* hint = new QTreeWidgetItem(group, {text});
  hint->setFlags(Qt::NoItemFlags);
  hint->setForeground(0, hint_text_color());
  QFont f = hint->font(0);
  f.setItalic(true);
  hint->setFont(0, f);
}

void WorkspaceBrowser::add_recent(const QString& path) {
  remember_recent_path(path);
  rebuild_recent();
}

void WorkspaceBrowser::add_checkpoint(const QString& label, const QString& path) {
  // Drop the placeholder the first time, and an older entry of the same path.
  for (int i = checkpoints_->childCount() - 1; i >= 0; --i) {
    QTreeWidgetItem* child = checkpoints_->child(i);
    const QString p = child->data(0, kPathRole).toString();
    if (p.isEmpty() || p == path) delete checkpoints_->takeChild(i);
  }
  auto* item = new QTreeWidgetItem({label});
  item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
  item->setData(0, kPathRole, path);
  item->setToolTip(0, path);
  checkpoints_->insertChild(0, item);
  checkpoints_->setExpanded(true);
  tree_->setCurrentItem(item);
}

void WorkspaceBrowser::set_runs(const std::vector<RunJob>& runs) {
  const QTreeWidgetItem* current = tree_->currentItem();
  const QVariant current_run = current ? current->data(0, kRunRole) : QVariant();
  // Update in place when the same runs are listed (keeps selection and scroll position).
  bool same = runs_->childCount() == static_cast<int>(runs.size());
  for (int i = 0; same && i < runs_->childCount(); ++i)
    same = runs_->child(i)->data(0, kRunRole).toLongLong() == runs[runs.size() - 1 - i].run.id;
  if (!same) {
    qDeleteAll(runs_->takeChildren());
    if (runs.empty()) set_placeholder(runs_, "no training runs yet (Ctrl+N)");
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
      auto* item = new QTreeWidgetItem(runs_);
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
      item->setData(0, kRunRole, QVariant::fromValue<qint64>(it->run.id));
    }
  }
  for (int i = 0; i < static_cast<int>(runs.size()); ++i) {
    const RunJob& job = runs[runs.size() - 1 - i];
    QTreeWidgetItem* item = runs_->child(i);
    item->setText(0, QString::fromStdString(job.run.name));
    item->setIcon(0, status_dot(run_status_color(job.run.status)));
    item->setToolTip(0, QString("run %1 · %2 · step %3/%4").arg(job.run.id).arg(run_status_text(job))
                            .arg(job.run.step).arg(job.run.steps));
    if (!same && current_run.isValid() && current_run.toLongLong() == job.run.id) tree_->setCurrentItem(item);
  }
  runs_->setExpanded(true);
}

void WorkspaceBrowser::follow(RunsModel* runs) {
  connect(runs, &RunsModel::runs_changed, this, [this, runs] { set_runs(runs->runs()); });
  connect(runs, &RunsModel::run_selected, this, [this](qint64 run) {
    if (QTreeWidgetItem* item = run_item(run)) {
      const QSignalBlocker block(tree_);
      tree_->setCurrentItem(item);
    }
  });
  connect(this, &WorkspaceBrowser::run_selected, runs, &RunsModel::activate);
  set_runs(runs->runs());
}

QTreeWidgetItem* WorkspaceBrowser::run_item(std::int64_t run) const {
  for (int i = 0; i < runs_->childCount(); ++i)
    if (runs_->child(i)->data(0, kRunRole).toLongLong() == run && runs_->child(i)->data(0, kRunRole).isValid())
      return runs_->child(i);
  return nullptr;
}

void WorkspaceBrowser::rebuild_recent() {
  qDeleteAll(recent_->takeChildren());
  const QStringList list = recent_paths();
  if (list.isEmpty()) set_placeholder(recent_, "nothing opened yet");
  for (const QString& path : list) {
    auto* item = new QTreeWidgetItem(recent_, {short_label(path)});
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    item->setData(0, kPathRole, path);
    item->setToolTip(0, path);
  }
  recent_->setExpanded(true);
}

}  // namespace depthscope::ui
