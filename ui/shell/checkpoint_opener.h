#pragma once
// Opening a checkpoint for the main window: ModelSession::open on a background task, shown as
// a job in the Jobs dock, on the device chosen in the status bar. A second open abandons the
// first. What follows (the Model and Inspect tabs, an error dialog, the fallback to the CPU)
// is the window's, told through the signals.
#include <memory>

#include <QObject>
#include <QString>

#include "core/runtime/device_choice.h"

class QWidget;

namespace depthscope {
class ModelSession;
}

namespace depthscope::ui {

class JobList;
class TaskRunner;

class CheckpointOpener : public QObject {
  Q_OBJECT
 public:
  CheckpointOpener(JobList* jobs, QObject* parent = nullptr);

  // device_text names the device in the log ("cuda:0 (H100)").
  void open(const QString& path, const ComputeDevice& device, const QString& device_text);
  bool loading() const;
  // The checkpoint open now (null before any), the path it was opened from and its device
  // (cpu before any).
  std::shared_ptr<const ModelSession> session() const { return session_; }
  QString session_path() const { return session_path_; }
  const ComputeDevice& session_device() const { return session_device_; }

 signals:
  // session() is the one just opened from `path`.
  void loaded(const QString& path);
  void cancelled(const QString& path);
  // message names the file and the problem; device is where it was to be opened.
  void failed(const QString& path, const QString& message, const depthscope::ComputeDevice& device);
  void log(const QString& message);

 private:
  JobList* jobs_;
  TaskRunner* loader_;
  std::shared_ptr<std::shared_ptr<const ModelSession>> pending_;  // written by the loading task
  QString loading_path_;
  ComputeDevice loading_device_;
  int load_job_ = 0;
  std::shared_ptr<const ModelSession> session_;
  QString session_path_;
  ComputeDevice session_device_;
};

// The Open checkpoint dialog, starting in the folder of the last one ("open/dir"); "" when
// cancelled.
QString ask_checkpoint_path(QWidget* parent);

}  // namespace depthscope::ui
