#include "ui/shared/job_list.h"

namespace depthscope::ui {

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

}  // namespace depthscope::ui
