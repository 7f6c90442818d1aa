#pragma once
// "New experiment…": a training spec built from a form -- a preset or dimensions, the corpus
// (Debian's default texts or text files) and tokenizer, the schemes to compare (one run
// each; Pre-LN and LNS ticked), steps, batch, sequence, learning rate, seed, checkpoints --
// with its cost shown live before launch: parameters, memory per training process
// (parameters, gradients, Adam state, activations), disk (checkpoint size x count) and time
// (a FLOP rule, see ui/train/train_estimate.h). The spec is parsed with the CLI's own parser
// (parse_train_spec_text) on every change; OK is enabled only when it is valid.
// Device and Precision (f32, or bf16 on a GPU) are offered when a GPU exists
// (ui/shared/device_options.h); the spec names them only when they differ from the default
// (cpu, f32), so a default spec is the same with or without a GPU.
#include <optional>
#include <vector>

#include <QDialog>
#include <QMap>
#include <QStringList>

#include "core/model/config.h"
#include "ui/shared/device_options.h"
#include "ui/train/train_estimate.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace depthscope::ui {

class NewExperimentDialog : public QDialog {
  Q_OBJECT
 public:
  // `devices`: what the Device field offers (device_options() for this process).
  explicit NewExperimentDialog(QWidget* parent = nullptr, DeviceOptions devices = device_options());

  QString name() const;
  // The spec as JSON text (what is written beside the run database).
  QString spec_json() const;
  // The parsed spec, or empty with *error set (field and problem).
  std::optional<TrainSpec> spec(QString* error = nullptr) const;
  std::optional<TrainEstimate> estimate() const { return estimate_; }
  QString estimate_text() const;
  QString error_text() const;
  int parallel() const;
  // Tensor threads of each training process (the spec's "threads"). Until the user sets it,
  // it follows the parallel runs: cores / parallel (at least 1), so runs going in parallel do
  // not oversubscribe the cores.
  int threads() const;
  bool acceptable() const;
  // The form as last launched from the main window (QSettings "new_experiment/…"): remember()
  // on launch, restore_last() when the dialog opens. Tests that build a dialog get defaults.
  void remember() const;
  void restore_last();

  // For tests and scripted use: fill the form.
  void set_name(const QString& name);
  void set_dimensions(int layers, int hidden, int heads);  // "Custom dimensions"
  void set_preset(const QString& preset);
  void set_text_corpus(const QStringList& files, const QString& tokenizer = "bytes");
  void set_schemes(const std::vector<NormScheme>& schemes);
  void set_training(int steps, int batch, int seq, double lr, int seed);
  void set_checkpoint_every(int steps);
  void set_parallel(int n);
  void set_threads(int n);
  // "cpu", "cuda:0", ... (false when not offered) and "f32" | "bf16" (bf16 only on a GPU).
  bool set_device(const QString& device, const QString& dtype = "f32");
  // "Custom dimensions" first, then every preset.
  QComboBox* preset_box() const { return preset_; }

 private:
  void refresh();
  void preset_changed();
  void browse_corpus();
  void device_changed();

  QLineEdit* name_;
  QComboBox* preset_;
  QSpinBox* layers_;
  QSpinBox* hidden_;
  QSpinBox* heads_;
  QComboBox* corpus_;
  QLineEdit* corpus_files_;
  QPushButton* browse_;
  QComboBox* tokenizer_;
  QSpinBox* vocab_;
  QMap<NormScheme, QCheckBox*> schemes_;
  QCheckBox* gpas_ = nullptr;  // the GPAS add-on on every run (spec "gpas": true)
  QSpinBox* steps_;
  QSpinBox* batch_;
  QSpinBox* seq_;
  QDoubleSpinBox* lr_;
  QSpinBox* seed_;
  QSpinBox* checkpoint_every_;
  QSpinBox* layer_samples_;
  QSpinBox* parallel_;
  QSpinBox* threads_;
  bool threads_chosen_ = false;  // the user set the threads: they no longer follow parallel
  DeviceOptions devices_;
  QComboBox* device_;
  QComboBox* dtype_;
  QLabel* estimate_label_;
  QLabel* error_label_;
  QDialogButtonBox* buttons_;
  std::optional<TrainEstimate> estimate_;
  QString error_;
};

}  // namespace depthscope::ui
