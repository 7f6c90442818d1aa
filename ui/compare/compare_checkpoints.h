#pragma once
// The checkpoint side of the Compare tab: checkpoints added by path (or dropped), each
// analysed in the background by CheckpointAnalyses with the evaluation chosen for
// checkpoints added from then on (tokens, text, multiple-choice set, device). Drawing the
// results is the panel's: it is told through the signals.
#include <QObject>
#include <QString>
#include <QStringList>

#include "ui/compare/checkpoint_analyses.h"

class QWidget;

namespace depthscope::ui {

class CompareItems;
class CompareList;
class JobList;
struct CompareItem;

class CompareCheckpoints : public QObject {
  Q_OBJECT
 public:
  CompareCheckpoints(JobList* jobs, CompareItems* items, CompareList* list, QObject* parent = nullptr);

  // Adds a checkpoint (HF folder, .safetensors, .gguf, llama2.c .bin; a config.json or
  // model.safetensors inside a folder means the folder) and starts its analyses. Returns
  // false when the path does not exist or is already listed.
  bool add(const QString& path);
  // Asks for a checkpoint file (remembering the folder) and adds it.
  void add_dialog(QWidget* parent);
  // Removes a checkpoint, cancelling its analysis.
  void remove(const QString& path);
  QStringList paths() const;

  // Evaluation of the checkpoints added from now on (as the Inspect tab): tokens from the
  // text and the window length (clamped to each model's context), the text ("" the default
  // corpus), a multiple-choice set scored per removed layer ("" none), and the device they
  // are opened and analysed on (the status bar's Device box). A device core refuses fails
  // the analysis with its reason and emits device_refused; when the device has been set to
  // cpu by then (the main window's fallback), the checkpoint is analysed again on the CPU.
  void set_evaluation(int tokens, int n_ctx);
  void set_evaluation_text(const QString& path);
  void set_choices_file(const QString& path);
  void set_device(const ComputeDevice& device) { settings_.device = device; }
  const AnalysisSettings& settings() const { return settings_; }
  bool busy() const;

 signals:
  // A checkpoint was listed or is about to go (the item is still alive for `removing`).
  void added(depthscope::ui::CompareItem* item);
  void removing(depthscope::ui::CompareItem* item);
  void removed();
  // The evaluation changed: the tokens box and the Choices button follow.
  void tokens_changed(int tokens);
  void choices_changed(const QString& path);
  // From CheckpointAnalyses (see there).
  void layers_known(depthscope::ui::CompareItem* item);
  void updated(depthscope::ui::CompareItem* item);
  void progress(depthscope::ui::CompareItem* item, const QString& stage, double eta_s);
  void ended(depthscope::ui::CompareItem* item);
  void device_refused(const QString& message);
  // A message for the tab's status line.
  void status(const QString& text);
  void log(const QString& message);

 private:
  CompareItems* items_;
  CompareList* list_;
  CheckpointAnalyses* analyses_;
  AnalysisSettings settings_;
};

}  // namespace depthscope::ui
