#pragma once
// TaskRunner: the one way ui/ runs long work off the GUI thread (Inspect analyses, Depth at a
// glance, checkpoint loading), with progress, cancel and streamed partial results.
//
// Contract
// - start(work) runs `work(context)` on the runner's own QThread, one task at a time, and
//   returns the task id. Starting a task abandons the previous one (see abandon()).
// - Cancel: each task has a std::atomic<bool> that cancel() sets directly from the GUI
//   thread, so it takes effect while the work is busy (core throws Cancelled at its next
//   check). context.phase() gives RunControls carrying it.
// - Results: the work calls context.deliver(closure) with closures that capture the new
//   values by copy. Each is tagged with its task id and appended under a short mutex; the
//   GUI thread takes the list when a ~40 ms single-shot timer fires, runs the closures
//   after releasing the lock and emits updated() once (coalesced replot).
// - Staleness: only the current task reaches the receiver. Closures, progress(), finished()
//   and failed() of a task that was abandoned or superseded are dropped, so a panel that
//   switched to a new model never draws the old model's results.
// - Order: finished()/failed() come after every closure the task delivered has run.
// - Lifetime: closures run only on the GUI thread, from the runner's own queue, so they never
//   outlive the runner; make the runner a child of the object the closures touch. The
//   destructor cancels the task and waits for the thread.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>

#include "core/runtime/progress.h"

namespace depthscope::ui {

// What a task's work function gets: the cancel token, progress reporting and result delivery.
struct TaskContext {
  const std::atomic<bool>* cancel = nullptr;
  ProgressFn report;  // overall progress of the task (fraction, ETA, stage)
  std::function<void(std::function<void()>)> post;  // set by the runner; use deliver()
  std::chrono::steady_clock::time_point start;
  // A RunControl for one phase of the task that covers [from, to] of the whole: progress
  // inside the phase maps onto that span, the stage reads "name · stage", the ETA is the
  // task's (elapsed * (1 - f) / f), and the cancel token is the task's.
  RunControl phase(double from, double to, const std::string& name) const;
  bool cancelled() const { return cancel && cancel->load(); }
  // Any thread: runs `update` on the GUI thread with the next batch, if this task is still
  // the runner's current task then.
  void deliver(std::function<void()> update) const { post(std::move(update)); }
};

class TaskWorker;

// How much lower the background thread's CPU priority is than the GUI thread's (nice increment).
inline constexpr int kBackgroundNice = 5;

class TaskRunner : public QObject {
  Q_OBJECT
 public:
  explicit TaskRunner(QObject* parent = nullptr);
  ~TaskRunner() override;  // cancels the running task and waits for the thread

  using Work = std::function<void(const TaskContext&)>;
  // Queues `work`; a running task is abandoned first. Returns the task id.
  int start(Work work);
  // The current task stops at its next check; finished(cancelled = true) follows.
  void cancel();
  // Same, only if `task` is still the current one (for cancel buttons of listed jobs).
  void cancel(int task);
  // Cancels the current task and drops everything it still sends: its results, progress and
  // finished/failed. For when what the task computes no longer belongs on screen.
  void abandon();
  // A current (not abandoned) task has not finished yet.
  bool running() const { return running_; }
  int current() const { return current_; }

 signals:
  void progress(int task, double fraction, double eta_s, const QString& stage);
  void updated(int task);  // a batch of the task's closures ran: replot once
  void finished(int task, bool cancelled, double seconds);
  void failed(int task, const QString& message);

 private:
  void post(int task, std::function<void()> update);  // any thread
  void flush();                                       // GUI thread

  QThread thread_;
  TaskWorker* worker_ = nullptr;
  std::shared_ptr<std::atomic<bool>> cancel_;
  int last_ = 0;      // id of the last task started
  int current_ = 0;   // task whose output reaches the receiver; 0: none
  bool running_ = false;

  std::mutex mutex_;  // guards pending_ only
  std::vector<std::pair<int, std::function<void()>>> pending_;
  QTimer timer_;      // single-shot, ~40 ms: coalesces closures into one batch
};

// Lives on the runner's thread (internal).
class TaskWorker : public QObject {
  Q_OBJECT
 public:
  void run(int task, const TaskRunner::Work& work, std::shared_ptr<std::atomic<bool>> cancel,
           std::function<void(std::function<void()>)> post);
 signals:
  void progress(int task, double fraction, double eta_s, const QString& stage);
  void finished(int task, bool cancelled, double seconds);
  void failed(int task, const QString& message);
};

}  // namespace depthscope::ui
