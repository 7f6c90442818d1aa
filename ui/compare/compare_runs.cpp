#include "ui/compare/compare_runs.h"

#include <QFileInfo>
#include <QTimer>

#include "ui/compare/compare_item.h"
#include "ui/compare/compare_list.h"
#include "ui/compare/run_reader.h"
#include "ui/train/runs_model.h"

namespace depthscope::ui {

CompareRuns::CompareRuns(CompareItems* items, CompareList* list, QObject* parent)
    : QObject(parent), items_(items), list_(list), reader_(new RunReader(this)), poll_timer_(new QTimer(this)) {
  poll_timer_->setInterval(3000);
  connect(poll_timer_, &QTimer::timeout, this, [this] {
    if (!reader_->busy()) refresh();
  });
  connect(reader_, &RunReader::read_done, this, &CompareRuns::apply);
  connect(reader_, &RunReader::finished, this, &CompareRuns::finished);
  connect(reader_, &RunReader::failed, this, [this](const QString& message) {
    error_ = "Could not read the runs: " + message;
    emit status(error_);
    emit log("Compare: " + error_);
    emit finished();
  });
}

CompareRuns::~CompareRuns() { reader_->abandon(); }

bool CompareRuns::set_database(const QString& path) {
  poll_timer_->stop();
  reader_->abandon();
  for (const CompareItem* i : items_->all())
    if (i->kind == CompareItem::run) list_->remove(i);
  items_->remove_runs();
  db_path_.clear();
  error_.clear();
  emit status(QString());
  if (!path.isEmpty()) {
    if (!QFileInfo(path).isFile())
      error_ = QString("No run database at %1 (train a run first, or pick another workspace)").arg(path);
    else
      db_path_ = QFileInfo(path).absoluteFilePath();
  }
  if (!error_.isEmpty())
    emit status(error_);
  else if (!db_path_.isEmpty())
    refresh();
  emit database_changed();
  return error_.isEmpty();
}

void CompareRuns::follow(RunsModel* runs) {
  connect(runs, &RunsModel::runs_changed, this, [this, runs] {
    if (!db_path_.isEmpty() && runs->database() == db_path_) set_runs(runs->runs());
  });
  connect(runs, &RunsModel::run_selected, list_, &CompareList::select_run);
  connect(list_, &CompareList::run_current, runs, &RunsModel::select);
}

void CompareRuns::refresh() {
  if (db_path_.isEmpty()) return;
  try {
    bool any_live = false;
    for (CompareItem* item : items_->list_runs(RunReader::list_runs(db_path_), &any_live)) list_->add(item);
    if (any_live) {
      if (!poll_timer_->isActive()) poll_timer_->start();
    } else {
      poll_timer_->stop();
    }
    if (error_.startsWith("Could not")) {
      error_.clear();
      emit status(QString());
    }
  } catch (const std::exception& e) {
    error_ = QString("Could not read %1: %2").arg(db_path_, QString::fromStdString(e.what()));
    emit status(error_);
    emit log("Compare: " + error_);
  }
  emit listed_changed();
  read();
}

void CompareRuns::set_runs(const std::vector<RunJob>& runs) {
  if (db_path_.isEmpty()) return;
  std::vector<store::RunRecord> records;
  bool moved = false;  // a ticked run has new steps or a new status: read its curves again
  for (const RunJob& r : runs) {
    records.push_back(r.run);
    if (const CompareItem* item = items_->find_run(r.run.id))
      moved = moved || (item->checked && (item->step != r.run.step ||
                                          item->status != QString::fromStdString(std::string(store::to_string(r.run.status)))));
  }
  bool live = false;
  for (CompareItem* item : items_->list_runs(records, &live)) list_->add(item);
  emit listed_changed();
  if (moved && !reader_->busy()) read();
}

void CompareRuns::set_checked(std::int64_t run, bool checked) {
  if (CompareItem* item = items_->find_run(run)) list_->set_checked(item, checked);
}

int CompareRuns::add(const QList<qint64>& runs) {
  for (qint64 run : runs)
    if (items_->find_run(run) == nullptr) {
      refresh();
      break;
    }
  int found = 0;
  for (qint64 run : runs)
    if (items_->find_run(run) != nullptr) {
      set_checked(run, true);
      ++found;
    }
  if (found < runs.size()) emit status(QString("%1 of the dropped runs are not in %2").arg(runs.size() - found).arg(db_path_));
  return found;
}

QList<std::int64_t> CompareRuns::listed() const {
  QList<std::int64_t> out;
  for (const CompareItem* i : items_->all())
    if (i->kind == CompareItem::run) out << i->run_id;
  return out;
}

QList<std::int64_t> CompareRuns::checked() const {
  QList<std::int64_t> out;
  for (const CompareItem* i : items_->all())
    if (i->kind == CompareItem::run && i->checked) out << i->run_id;
  return out;
}

void CompareRuns::read() {
  std::vector<std::int64_t> ids;
  for (std::int64_t id : checked()) ids.push_back(id);
  reader_->read(db_path_, ids);
}

bool CompareRuns::busy() const { return reader_->busy(); }

void CompareRuns::apply(const std::vector<RunCurves>& runs) {
  for (const RunCurves& d : runs) {
    CompareItem* item = items_->find_run(d.id);
    if (!item) continue;
    apply_curves(item, d);
    list_->refresh(item, db_path_);
  }
  emit curves_read();
}

}  // namespace depthscope::ui
