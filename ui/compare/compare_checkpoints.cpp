#include "ui/compare/compare_checkpoints.h"

#include <memory>

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

#include "ui/compare/compare_item.h"
#include "ui/compare/compare_list.h"

namespace depthscope::ui {

CompareCheckpoints::CompareCheckpoints(JobList* jobs, CompareItems* items, CompareList* list, QObject* parent)
    : QObject(parent), items_(items), list_(list), analyses_(new CheckpointAnalyses(jobs, this)) {
  connect(analyses_, &CheckpointAnalyses::log, this, &CompareCheckpoints::log);
  connect(analyses_, &CheckpointAnalyses::layers_known, this, &CompareCheckpoints::layers_known);
  connect(analyses_, &CheckpointAnalyses::updated, this, &CompareCheckpoints::updated);
  connect(analyses_, &CheckpointAnalyses::progress, this, &CompareCheckpoints::progress);
  connect(analyses_, &CheckpointAnalyses::ended, this, &CompareCheckpoints::ended);
  connect(analyses_, &CheckpointAnalyses::device_refused, this, [this](CompareItem* item, const QString& message) {
    emit device_refused(message);
    // Analysed again once the device is one this process can use (the runner is deleted
    // outside its own signal).
    if (device_unavailable_reason(settings_.device).empty())
      QTimer::singleShot(0, this, [this, path = item->path] {
        if (!items_->find_checkpoint(path)) return;
        remove(path);
        add(path);
      });
  });
}

bool CompareCheckpoints::add(const QString& path) {
  const QString p = normalise_checkpoint(path);
  if (p.isEmpty()) {
    emit status(QString("No checkpoint at %1").arg(path));
    return false;
  }
  if (items_->find_checkpoint(p)) return false;
  auto owned = std::make_unique<CompareItem>();
  owned->kind = CompareItem::checkpoint;
  owned->path = p;
  owned->label = checkpoint_label(p);
  owned->checked = true;
  owned->status = "waiting";
  CompareItem* item = items_->add(std::move(owned));
  list_->add(item);
  analyses_->start(item, settings_);
  emit added(item);
  const ComputeDevice& device = settings_.device;
  emit log(QString("Compare: analysing %1%2")
               .arg(p, device.is_cuda() ? QString(" on %1").arg(QString::fromStdString(device.name())) : QString()));
  return true;
}

void CompareCheckpoints::add_dialog(QWidget* parent) {
  QSettings settings;
  const QString dir = settings.value("compare/dir", QDir::homePath()).toString();
  const QString path = QFileDialog::getOpenFileName(parent, "Add checkpoint", dir,
                                                    "Checkpoints (*.safetensors *.gguf *.bin config.json);;All files (*)");
  if (path.isEmpty()) return;
  settings.setValue("compare/dir", QFileInfo(path).absolutePath());
  if (!add(path) && items_->find_checkpoint(path)) emit status(QString("%1 is already in the comparison").arg(path));
}

void CompareCheckpoints::remove(const QString& path) {
  CompareItem* item = items_->find_checkpoint(path);
  if (!item) return;
  analyses_->stop(item);
  list_->remove(item);
  emit removing(item);
  items_->remove(item);
  emit removed();
}

QStringList CompareCheckpoints::paths() const {
  QStringList out;
  for (const CompareItem* i : items_->all())
    if (i->kind == CompareItem::checkpoint) out << i->path;
  return out;
}

void CompareCheckpoints::set_evaluation(int tokens, int n_ctx) {
  settings_.tokens = tokens;
  settings_.n_ctx = n_ctx;
  emit tokens_changed(tokens);
}

void CompareCheckpoints::set_evaluation_text(const QString& path) { settings_.text = path; }

void CompareCheckpoints::set_choices_file(const QString& path) {
  settings_.choices = path;
  emit choices_changed(path);
  emit log(QString("Compare: multiple-choice set %1 for the checkpoints added from now on").arg(path));
}

bool CompareCheckpoints::busy() const { return analyses_->busy(); }

}  // namespace depthscope::ui
