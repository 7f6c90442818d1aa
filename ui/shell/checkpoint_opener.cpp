#include "ui/shell/checkpoint_opener.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

#include "core/session/model_session.h"
#include "ui/shared/background_task.h"
#include "ui/shared/job_list.h"

namespace depthscope::ui {

CheckpointOpener::CheckpointOpener(JobList* jobs, QObject* parent)
    : QObject(parent), jobs_(jobs), loader_(new TaskRunner(this)) {
  connect(loader_, &TaskRunner::progress, this, [this](int, double f, double eta, const QString& stage) {
    jobs_->progress(load_job_, f, eta, stage);
  });
  connect(loader_, &TaskRunner::finished, this, [this](int, bool was_cancelled, double seconds) {
    if (was_cancelled || !pending_ || !*pending_) {
      jobs_->end(load_job_, "cancelled");
      emit log("Loading cancelled: " + loading_path_);
      emit cancelled(loading_path_);
      return;
    }
    jobs_->end(load_job_, "finished");
    emit log(QString("Loaded %1 in %2 s").arg(loading_path_).arg(seconds, 0, 'f', 2));
    session_ = *pending_;
    session_path_ = loading_path_;
    session_device_ = loading_device_;
    emit loaded(loading_path_);
  });
  connect(loader_, &TaskRunner::failed, this, [this](int, const QString& message) {
    jobs_->end(load_job_, "failed");
    emit failed(loading_path_, message, loading_device_);
  });
}

void CheckpointOpener::open(const QString& path, const ComputeDevice& device, const QString& device_text) {
  loading_path_ = path;
  pending_ = std::make_shared<std::shared_ptr<const ModelSession>>();
  auto result = pending_;
  const std::string file = path.toStdString();
  loading_device_ = device;
  if (load_job_ && loader_->running()) jobs_->end(load_job_, "cancelled");  // start() abandons it
  const int task = loader_->start([result, file, device](const TaskContext& ctx) {
    *result = ModelSession::open(file, ctx.phase(0.0, 1.0, "loading"), device);
  });
  TaskRunner* loader = loader_;
  load_job_ = jobs_->start("Open " + QFileInfo(path).fileName(), [loader, task] { loader->cancel(task); });
  emit log("Opening " + path + (device.is_cuda() ? " on " + device_text : QString()));
}

bool CheckpointOpener::loading() const { return loader_->running(); }

QString ask_checkpoint_path(QWidget* parent) {
  const QString dir = QSettings().value("open/dir").toString();
  const QString path = QFileDialog::getOpenFileName(parent, "Open checkpoint", dir,
                                                    "Checkpoints (*.safetensors *.gguf *.json *.bin);;All files (*)");
  if (!path.isEmpty()) QSettings().setValue("open/dir", QFileInfo(path).absolutePath());
  return path;
}

}  // namespace depthscope::ui
