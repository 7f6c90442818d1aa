#pragma once
// VarianceWorker: computes "Depth at a glance" curves (core variance_at_init) on a QThread.
//
// Streaming contract
// - run() executes on the worker's thread, one scheme after the other.
// - Each finished layer is appended to the shared VarianceStream (its mutex guards the
//   points) and announced with points_ready(); the GUI thread takes the points under the
//   same lock when its replot timer fires, and draws after releasing it.
// - progress / finished / failed are queued to the GUI thread.
// - Cancel: the GUI thread sets the job's std::atomic<bool> directly (not a queued slot), so
//   it takes effect while run() is busy; core throws Cancelled at the next layer.
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <QObject>
#include <QString>

#include "core/model/config.h"

namespace depthscope::ui {

struct VariancePoint {
  int run_id = 0;
  NormScheme scheme = NormScheme::pre;
  int layer = 0;          // 1..L
  double variance = 0;    // variance of layer l's output
};

class VarianceStream {
 public:
  void push(const VariancePoint& p);
  std::vector<VariancePoint> take();

 private:
  std::mutex mutex_;
  std::vector<VariancePoint> points_;
};

struct VarianceJob {
  int run_id = 0;
  int layers = 48;
  int width = 256;
  std::vector<NormScheme> schemes;
  std::shared_ptr<std::atomic<bool>> cancel;
};

class VarianceWorker : public QObject {
  Q_OBJECT
 public:
  explicit VarianceWorker(std::shared_ptr<VarianceStream> stream) : stream_(std::move(stream)) {}

  // Runs on the worker thread (invoke queued).
  void run(const VarianceJob& job);

 signals:
  void points_ready(int run_id);
  void progress(int run_id, double fraction, double eta_s, const QString& stage);
  void finished(int run_id, bool cancelled, double seconds);
  void failed(int run_id, const QString& message);

 private:
  std::shared_ptr<VarianceStream> stream_;
};

}  // namespace depthscope::ui
