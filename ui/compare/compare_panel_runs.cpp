// ComparePanel, the runs part: the run database's runs in the list, following the RunsModel
// (the one list of runs every view shows), ticked runs read in the background (RunReader).
#include <QTimer>

#include "ui/compare/compare_item.h"
#include "ui/compare/compare_list.h"
#include "ui/compare/compare_panel.h"
#include "ui/compare/run_reader.h"
#include "ui/train/runs_model.h"

namespace depthscope::ui {

void ComparePanel::follow_runs(RunsModel* runs) {
  connect(runs, &RunsModel::runs_changed, this, [this, runs] {
    if (!db_path_.isEmpty() && runs->database() == db_path_) set_runs(runs->runs());
  });
  connect(runs, &RunsModel::run_selected, list_, &CompareList::select_run);
  connect(list_, &CompareList::run_current, runs, &RunsModel::select);
}

void ComparePanel::refresh_runs() {
  if (db_path_.isEmpty()) return;
  try {
    bool any_live = false;
    for (CompareItem* item : items_.list_runs(RunReader::list_runs(db_path_), &any_live)) list_->add(item);
    if (any_live) {
      if (!poll_timer_->isActive()) poll_timer_->start();
    } else {
      poll_timer_->stop();
    }
    if (status_.startsWith("Could not")) status_.clear();
  } catch (const std::exception& e) {
    status_ = QString("Could not read %1: %2").arg(db_path_, QString::fromStdString(e.what()));
    emit log("Compare: " + status_);
  }
  restyle();
  read_runs();
  update_status();
}

void ComparePanel::set_runs(const std::vector<RunJob>& runs) {
  if (db_path_.isEmpty()) return;
  std::vector<store::RunRecord> records;
  bool moved = false;  // a ticked run has new steps or a new status: read its curves again
  for (const RunJob& r : runs) {
    records.push_back(r.run);
    if (const CompareItem* item = items_.find_run(r.run.id))
      moved = moved || (item->checked && (item->step != r.run.step ||
                                          item->status != QString::fromStdString(std::string(store::to_string(r.run.status)))));
  }
  bool live = false;
  for (CompareItem* item : items_.list_runs(records, &live)) list_->add(item);
  restyle();
  if (moved && !reader_->busy()) read_runs();
  update_status();
}

void ComparePanel::set_run_checked(std::int64_t run, bool checked) {
  if (CompareItem* item = items_.find_run(run)) list_->set_checked(item, checked);
}

int ComparePanel::add_runs(const QList<qint64>& runs) {
  for (qint64 run : runs)
    if (items_.find_run(run) == nullptr) {
      refresh_runs();
      break;
    }
  int found = 0;
  for (qint64 run : runs)
    if (items_.find_run(run) != nullptr) {
      set_run_checked(run, true);
      ++found;
    }
  if (found < runs.size()) status_ = QString("%1 of the dropped runs are not in %2").arg(runs.size() - found).arg(db_path_);
  return found;
}

void ComparePanel::read_runs() {
  std::vector<std::int64_t> ids;
  for (const CompareItem* i : items_.all())
    if (i->kind == CompareItem::run && i->checked) ids.push_back(i->run_id);
  reader_->read(db_path_, ids);
  update_status();
}

}  // namespace depthscope::ui
