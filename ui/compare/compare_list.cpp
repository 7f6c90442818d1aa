#include "ui/compare/compare_list.h"

#include <QIcon>

#include "ui/compare/compare_item.h"

namespace depthscope::ui {
namespace {
constexpr int kItemRole = Qt::UserRole;  // the CompareItem*, as quintptr
}

CompareList::CompareList(QWidget* parent) : QListWidget(parent) {
  setObjectName("compare_items");
  setToolTip("Runs of the workspace's run database (tick to compare) and checkpoints added here "
             "(tick to show). Drop checkpoint folders or files, or a run database, on the tab to add them.");
  setIconSize(QSize(28, 14));
  setMinimumWidth(280);
  connect(this, &QListWidget::itemChanged, this, [this](QListWidgetItem* li) {
    if (updating_) return;
    CompareItem* item = item_of(li);
    const bool checked = li->checkState() == Qt::Checked;
    if (item && checked != item->checked) emit toggled(item, checked);
  });
  connect(this, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* li) {
    const CompareItem* item = item_of(li);
    if (!updating_ && item && item->kind == CompareItem::run) emit run_current(item->run_id);
  });
}

CompareItem* CompareList::item_of(const QListWidgetItem* li) {
  return li ? reinterpret_cast<CompareItem*>(li->data(kItemRole).value<quintptr>()) : nullptr;
}

QListWidgetItem* CompareList::row(const CompareItem* item) const {
  for (int r = 0; r < count(); ++r)
    if (item_of(QListWidget::item(r)) == item) return QListWidget::item(r);
  return nullptr;
}

void CompareList::add(CompareItem* item) {
  updating_ = true;
  auto* li = new QListWidgetItem;
  li->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
  li->setData(kItemRole, QVariant::fromValue<quintptr>(reinterpret_cast<quintptr>(item)));
  li->setCheckState(item->checked ? Qt::Checked : Qt::Unchecked);
  // Checkpoints after the runs.
  int at = count();
  if (item->kind == CompareItem::run)
    for (int r = 0; r < count(); ++r)
      if (item_of(QListWidget::item(r))->kind == CompareItem::checkpoint) {
        at = r;
        break;
      }
  insertItem(at, li);
  updating_ = false;
}

void CompareList::select_run(qint64 run) {
  updating_ = true;
  QListWidgetItem* found = nullptr;
  for (int r = 0; r < count() && !found; ++r) {
    const CompareItem* item = item_of(QListWidget::item(r));
    if (item && item->kind == CompareItem::run && item->run_id == run) found = QListWidget::item(r);
  }
  if (found) setCurrentItem(found);
  else if (const CompareItem* current = item_of(currentItem()); current && current->kind == CompareItem::run)
    setCurrentItem(nullptr);
  updating_ = false;
}

void CompareList::remove(const CompareItem* item) { delete row(item); }

void CompareList::refresh(const CompareItem* item, const QString& db) {
  QListWidgetItem* li = row(item);
  if (!li) return;
  updating_ = true;
  QString text;
  if (item->kind == CompareItem::run) {
    text = QString("%1 · %2 · %3/%4").arg(item->label, item->scheme_text()).arg(item->step).arg(item->steps);
    if (item->status != "finished") text += " " + item->status;
    li->setToolTip(QString("Run %1 of %2\nscheme %3, %4, step %5 of %6\nTick to compare its curves")
                       .arg(item->run_id)
                       .arg(db, item->scheme_text(), item->status)
                       .arg(item->step)
                       .arg(item->steps));
  } else {
    text = QString("%1 · %2 · %3").arg(item->label, item->scheme_text(), item->status);
    li->setToolTip(QString("Checkpoint %1\n%2%3\nTick to show its analyses; Remove to drop it")
                       .arg(item->path, item->status, item->error.isEmpty() ? QString() : "\n" + item->error));
  }
  li->setText(text);
  li->setIcon(QIcon(swatch(item->color, item->style)));
  updating_ = false;
}

void CompareList::set_checked(const CompareItem* item, bool checked) {
  if (QListWidgetItem* li = row(item)) li->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

CompareItem* CompareList::current_checkpoint() const {
  CompareItem* item = item_of(currentItem());
  return item && item->kind == CompareItem::checkpoint ? item : nullptr;
}

}  // namespace depthscope::ui
