#include "ui/shared/job_list.h"

#include <algorithm>

namespace depthscope::ui {

QColor run_status_color(store::RunStatus status) {
  switch (status) {
    case store::RunStatus::queued: return QColor(0x9A, 0xA0, 0xA8);    // grey: waiting
    case store::RunStatus::running: return QColor(0x1E, 0xA4, 0x4B);   // green: alive
    case store::RunStatus::stopped: return QColor(0xE6, 0x9F, 0x00);   // amber: resumable
    case store::RunStatus::finished: return QColor(0x00, 0x72, 0xB2);  // blue: done
    case store::RunStatus::failed: return QColor(0xC6, 0x28, 0x28);    // red
    case store::RunStatus::diverged: return QColor(0x8E, 0x24, 0xAA);  // purple
  }
  return QColor(Qt::gray);
}

QString run_status_text(const RunJob& job) {
  QString s = QString::fromUtf8(store::to_string(job.run.status).data(),
                                static_cast<int>(store::to_string(job.run.status).size()));
  if (job.run.status == store::RunStatus::queued && job.run.pid) s += " (starting)";
  if (!job.run.error.empty() && job.run.status != store::RunStatus::finished)
    s += ": " + QString::fromStdString(job.run.error);
  return s;
}

int JobList::start(const QString& name, std::function<void()> cancel) {
  Job job;
  job.id = next_id_++;
  job.name = name;
  job.status = "running";
  job.cancel = std::move(cancel);
  jobs_.push_back(job);
  emit added(job.id);
  return job.id;
}

void JobList::progress(int id, double fraction, double eta_s, const QString& stage) {
  Job* job = find_mut(id);
  if (!job || !job->active) return;
  job->fraction = fraction;
  job->eta_s = eta_s;
  job->stage = stage;
  emit changed(id);
}

void JobList::end(int id, const QString& status) {
  Job* job = find_mut(id);
  if (!job) return;
  job->active = false;
  job->status = status;
  job->eta_s = -1;
  if (status == "finished") job->fraction = 1.0;
  job->cancel = nullptr;
  emit changed(id);
}

void JobList::cancel(int id) {
  Job* job = find_mut(id);
  if (!job || !job->active || !job->cancel) return;
  job->status = "cancelling";
  emit changed(id);
  job->cancel();
}

const Job* JobList::find(int id) const {
  for (const Job& j : jobs_)
    if (j.id == id) return &j;
  return nullptr;
}

Job* JobList::find_mut(int id) {
  for (Job& j : jobs_)
    if (j.id == id) return &j;
  return nullptr;
}

void JobList::clear_ended() {
  const auto ended = std::remove_if(jobs_.begin(), jobs_.end(), [](const Job& j) { return !j.active; });
  if (ended == jobs_.end()) return;
  jobs_.erase(ended, jobs_.end());
  emit cleared();
}

}  // namespace depthscope::ui
