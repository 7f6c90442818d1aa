#include "ui/shared/background_task.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <exception>

#include "core/error.h"

namespace depthscope::ui {

RunControl TaskContext::phase(double from, double to, const std::string& name) const {
  const ProgressFn overall = report;
  const auto t0 = start;
  return RunControl(
      [overall, from, to, name, t0](const Progress& p) {
        if (!overall) return;
        Progress q = p;
        q.done = from + (to - from) * p.fraction();
        q.total = 1.0;
        q.stage = p.stage.empty() ? name : name + " · " + p.stage;
        q.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        q.eta_s = q.done > 0 ? q.elapsed_s * (1.0 - q.done) / q.done : -1.0;
        overall(q);
      },
      cancel);
}

void TaskWorker::run(int task, const TaskRunner::Work& work, std::shared_ptr<std::atomic<bool>> cancel,
                     std::function<void(std::function<void()>)> post) {
  TaskContext context;
  context.cancel = cancel.get();
  context.start = std::chrono::steady_clock::now();
  context.post = std::move(post);
  context.report = [this, task](const Progress& p) {
    emit progress(task, p.fraction(), p.eta_s, QString::fromStdString(p.stage));
  };
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - context.start).count();
  };
  // A task abandoned before it began never runs.
  if (cancel->load()) {
    emit finished(task, true, 0.0);
    return;
  }
  try {
    work(context);
    emit finished(task, cancel->load(), seconds());
  } catch (const Cancelled&) {
    emit finished(task, true, seconds());
  } catch (const std::exception& e) {
    emit failed(task, QString::fromStdString(e.what()));
  }
}

TaskRunner::TaskRunner(QObject* parent) : QObject(parent) {
  timer_.setSingleShot(true);
  timer_.setInterval(40);
  connect(&timer_, &QTimer::timeout, this, &TaskRunner::flush);

  worker_ = new TaskWorker;
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  connect(worker_, &TaskWorker::progress, this, [this](int task, double f, double eta, const QString& stage) {
    if (task == current_ && running_) emit progress(task, f, eta, stage);
  });
  connect(worker_, &TaskWorker::finished, this, [this](int task, bool cancelled, double s) {
    if (task != current_) return;
    flush();  // every closure of the task was posted before this signal
    running_ = false;
    emit finished(task, cancelled, s);
  });
  connect(worker_, &TaskWorker::failed, this, [this](int task, const QString& message) {
    if (task != current_) return;
    flush();
    running_ = false;
    emit failed(task, message);
  });
  thread_.setObjectName("depthscope-task");
  // Background work runs at a lower CPU priority than the GUI thread (Linux nice is per
  // thread; the tensor threads this thread starts inherit it), so on a loaded 2-core machine the
  // scheduler wakes the GUI thread first and the window stays responsive during long analyses.
  connect(&thread_, &QThread::started, worker_, [] {
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    setpriority(PRIO_PROCESS, tid, getpriority(PRIO_PROCESS, tid) + kBackgroundNice);
  }, Qt::DirectConnection);
  thread_.start();
}

TaskRunner::~TaskRunner() {
  if (cancel_) cancel_->store(true);
  thread_.quit();
  thread_.wait();
}

int TaskRunner::start(Work work) {
  abandon();
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  const int task = ++last_;
  current_ = task;
  running_ = true;
  TaskWorker* worker = worker_;
  auto flag = cancel_;
  auto post = [this, task](std::function<void()> update) { this->post(task, std::move(update)); };
  QMetaObject::invokeMethod(
      worker_, [worker, task, work = std::move(work), flag, post] { worker->run(task, work, flag, post); },
      Qt::QueuedConnection);
  return task;
}

void TaskRunner::cancel() {
  if (cancel_) cancel_->store(true);
}

void TaskRunner::cancel(int task) {
  if (task == current_ && running_) cancel();
}

void TaskRunner::abandon() {
  cancel();  // the old task stops at its next check
  current_ = 0;
  running_ = false;
}

void TaskRunner::post(int task, std::function<void()> update) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    first = pending_.empty();
    pending_.emplace_back(task, std::move(update));
  }
  if (first) {
    QMetaObject::invokeMethod(this, [this] { if (!timer_.isActive()) timer_.start(); }, Qt::QueuedConnection);
  }
}

void TaskRunner::flush() {
  timer_.stop();
  std::vector<std::pair<int, std::function<void()>>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);  // short: only moves the list
    batch.swap(pending_);
  }
  const int task = current_;
  bool ran = false;
  for (auto& [from, update] : batch) {
    // Checked per closure: one of them may switch the receiver (a new model) mid-batch.
    if (from != current_ || current_ == 0) continue;  // stale: abandoned or superseded
    update();
    ran = true;
  }
  if (ran && task == current_) emit updated(task);
}

}  // namespace depthscope::ui
