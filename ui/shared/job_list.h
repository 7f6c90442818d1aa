#pragma once
// JobList: the long-running work the GUI knows about (analyses now, training processes later).
// A model without widgets, so panels can report jobs without knowing how they are shown.
// All methods are called on the GUI thread.
#include <functional>

#include <QObject>
#include <QString>
#include <QVector>

namespace depthscope::ui {

struct Job {
  int id = 0;
  QString name;            // "Depth at a glance: 48 layers x 256"
  QString status;          // "running", "finished", "cancelled", "failed: ..."
  QString stage;           // "Pre-LN layer 12/48"
  double fraction = 0;     // 0..1
  double eta_s = -1;       // < 0 while unknown
  bool active = true;      // running and cancellable
  std::function<void()> cancel;
};

class JobList : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;

  // Registers a running job; `cancel` is called (GUI thread) when the user presses Cancel.
  int start(const QString& name, std::function<void()> cancel);
  void progress(int id, double fraction, double eta_s, const QString& stage);
  // Ends a job with its final status ("finished", "cancelled", "failed: <why>").
  void end(int id, const QString& status);
  void cancel(int id);

  const QVector<Job>& jobs() const { return jobs_; }
  const Job* find(int id) const;

 signals:
  void added(int id);
  void changed(int id);

 private:
  Job* find_mut(int id);
  QVector<Job> jobs_;
  int next_id_ = 1;
};

}  // namespace depthscope::ui
