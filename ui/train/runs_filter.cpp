#include "ui/train/runs_filter.h"

#include "ui/train/runs_model.h"

namespace depthscope::ui {

RunsFilter::RunsFilter(RunsModel* runs, QObject* parent) : QSortFilterProxyModel(parent), runs_(runs) {
  setSourceModel(runs);
  setDynamicSortFilter(true);
  sort(RunsModel::kRun, Qt::DescendingOrder);
}

void RunsFilter::set_experiment(std::int64_t experiment) {
  if (experiment == experiment_) return;
  experiment_ = experiment;
  invalidateFilter();
}

void RunsFilter::set_hide_ended(bool hide) {
  if (hide == hide_ended_) return;
  hide_ended_ = hide;
  invalidateFilter();
}

std::int64_t RunsFilter::run_at(int row) const {
  return data(index(row, 0), RunsModel::kRunIdRole).toLongLong();
}

bool RunsFilter::filterAcceptsRow(int source_row, const QModelIndex&) const {
  const RunJob& job = runs_->runs()[static_cast<std::size_t>(source_row)];
  if (experiment_ != 0 && job.run.experiment_id != experiment_) return false;
  return !(hide_ended_ && store::is_terminal(job.run.status));
}

bool RunsFilter::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  return sourceModel()->data(left, RunsModel::kRunIdRole).toLongLong() <
         sourceModel()->data(right, RunsModel::kRunIdRole).toLongLong();
}

}  // namespace depthscope::ui
