#pragma once
// Long work off the GUI thread, with progress, cancel and streamed partial results.
//
// Streaming contract
// - TaskRunner::start(work) runs `work(context)` on the runner's own QThread, one task at a
//   time. context.phase() gives RunControls that report progress (queued to the GUI thread
//   as progress()) and carry the task's cancel token, a std::atomic<bool> that cancel() sets directly from the GUI
//   thread, so it takes effect while the work is busy (core throws Cancelled).
// - Partial results travel through an UpdateQueue: the worker pushes small closures that
//   capture the new values by copy; the queue's mutex guards the list. The GUI thread takes
//   the closures under the lock when its ~40 ms single-shot timer fires and runs them (and
//   replots once) after releasing it. Closures run only on the GUI thread.
// - finished() / failed() are queued to the GUI thread after the last push of the task.
#include <atomic>
#include <chrono>
#include <string>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>

#include "core/runtime/progress.h"

namespace depthscope::ui {

class UpdateQueue : public QObject {
  Q_OBJECT
 public:
  explicit UpdateQueue(QObject* parent = nullptr);
  // Any thread. Starts the coalescing timer (through a queued call) when it is idle.
  void push(std::function<void()> update);
  // GUI thread: runs everything queued now (used when a task ends).
  void flush();

 signals:
  // After a batch of updates ran (GUI thread): replot here.
  void applied();

 private:
  std::mutex mutex_;
  std::vector<std::function<void()>> pending_;
  QTimer timer_;
};

// What a task's work function gets: the cancel token and progress reporting.
struct TaskContext {
  const std::atomic<bool>* cancel = nullptr;
  ProgressFn report;  // overall progress of the task (fraction, ETA, stage)
  std::chrono::steady_clock::time_point start;
  // A RunControl for one phase of the task that covers [from, to] of the whole: progress
  // inside the phase maps onto that span, the stage reads "name · stage", the ETA is the
  // task's (elapsed * (1 - f) / f), and the cancel token is the task's.
  RunControl phase(double from, double to, const std::string& name) const;
  bool cancelled() const { return cancel && cancel->load(); }
};

class TaskWorker;

class TaskRunner : public QObject {
  Q_OBJECT
 public:
  explicit TaskRunner(QObject* parent = nullptr);
  ~TaskRunner() override;  // cancels the running task and waits for the thread

  using Work = std::function<void(const TaskContext&)>;
  // Queues `work`; a running task is cancelled first. Returns the task id.
  int start(Work work);
  void cancel();
  bool running() const { return running_; }
  int current() const { return task_; }

 signals:
  void progress(int task, double fraction, double eta_s, const QString& stage);
  void finished(int task, bool cancelled, double seconds);
  void failed(int task, const QString& message);

 private:
  QThread thread_;
  TaskWorker* worker_ = nullptr;
  std::shared_ptr<std::atomic<bool>> cancel_;
  int task_ = 0;
  bool running_ = false;
};

// Lives on the runner's thread (internal).
class TaskWorker : public QObject {
  Q_OBJECT
 public:
  void run(int task, const TaskRunner::Work& work, std::shared_ptr<std::atomic<bool>> cancel);
 signals:
  void progress(int task, double fraction, double eta_s, const QString& stage);
  void finished(int task, bool cancelled, double seconds);
  void failed(int task, const QString& message);
};

}  // namespace depthscope::ui
