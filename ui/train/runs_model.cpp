#include "ui/train/runs_model.h"

#include <QString>

#include "ui/train/run_watcher.h"

namespace depthscope::ui {

namespace {

// What a view shows of a run: a change here is a change of the list.
bool same_shown(const RunJob& a, const RunJob& b) {
  return a.run.id == b.run.id && a.run.status == b.run.status && a.run.step == b.run.step &&
         a.run.steps == b.run.steps && a.run.name == b.run.name && a.run.error == b.run.error &&
         a.run.pid == b.run.pid && a.experiment == b.experiment && a.tokens_per_s == b.tokens_per_s &&
         a.eta_s == b.eta_s;
}

bool same_experiments(const std::vector<store::Experiment>& a, const std::vector<store::Experiment>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].id != b[i].id || a[i].name != b[i].name) return false;
  return true;
}

}  // namespace

RunsModel::RunsModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunsModel::follow(RunWatcher* watcher) {
  connect(watcher, &RunWatcher::batch_ready, this, &RunsModel::apply);
}

void RunsModel::apply(const WatchBatch& batch) {
  bool same_ids = batch.runs.size() == runs_.size();
  for (std::size_t i = 0; same_ids && i < runs_.size(); ++i) same_ids = batch.runs[i].run.id == runs_[i].run.id;
  last_changed_ = !same_experiments(batch.experiments, experiments_);
  experiments_ = batch.experiments;
  if (!same_ids) {
    beginResetModel();
    runs_ = batch.runs;
    endResetModel();
    last_changed_ = true;
    if (selected_ != 0 && row_of(selected_) < 0) selected_ = 0;
  } else {
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      if (same_shown(runs_[i], batch.runs[i])) continue;
      runs_[i] = batch.runs[i];
      emit dataChanged(index(int(i), 0), index(int(i), kColumns - 1));
      last_changed_ = true;
    }
  }
  if (last_changed_) emit runs_changed();
  emit batch_applied(batch);
}

void RunsModel::set_database(const QString& path) {
  database_ = path;
  beginResetModel();
  runs_.clear();
  experiments_.clear();
  endResetModel();
  last_changed_ = true;
  emit runs_changed();
  select(0);
}

const RunJob* RunsModel::find(std::int64_t run) const {
  const int row = row_of(run);
  return row < 0 ? nullptr : &runs_[static_cast<std::size_t>(row)];
}

int RunsModel::row_of(std::int64_t run) const {
  for (std::size_t i = 0; i < runs_.size(); ++i)
    if (runs_[i].run.id == run) return static_cast<int>(i);
  return -1;
}

void RunsModel::select(std::int64_t run) {
  if (run == selected_) return;
  selected_ = run;
  emit run_selected(run);
}

void RunsModel::activate(std::int64_t run) {
  select(run);
  emit run_activated(run);
}

int RunsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(runs_.size());
}

int RunsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kColumns; }

QVariant RunsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const RunJob& job = runs_[static_cast<std::size_t>(index.row())];
  if (role == kRunIdRole) return QVariant::fromValue<qint64>(job.run.id);
  if (role == kTerminalRole) return store::is_terminal(job.run.status);
  if (role == Qt::DecorationRole && index.column() == kRun) return run_status_color(job.run.status);
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  switch (index.column()) {
    case kRun: return QString("#%1  %2").arg(job.run.id).arg(QString::fromStdString(job.run.name));
    case kStatus: return run_status_text(job);
    case kStep: return QString("%1/%2").arg(job.run.step).arg(job.run.steps);
    case kExperiment: return job.experiment;
    default: return {};
  }
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kRun: return QString("Run");
    case kStatus: return QString("Status");
    case kStep: return QString("Step");
    case kExperiment: return QString("Experiment");
    default: return {};
  }
}

}  // namespace depthscope::ui
