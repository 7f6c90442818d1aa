#include "ui/train/new_experiment_dialog.h"

#include <exception>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QThread>
#include <QVBoxLayout>

#include "core/runtime/memory.h"
#include "core/runtime/progress.h"
#include "core/train/presets.h"
#include "core/train/train_spec.h"
#include "ui/shared/palette.h"
#include "ui/shared/text_format.h"

namespace depthscope::ui {
namespace {

QSpinBox* spin(int lo, int hi, int value, const QString& tip, const QString& name, int step = 1) {
  auto* s = new QSpinBox;
  s->setRange(lo, hi);
  s->setValue(value);
  s->setSingleStep(step);
  s->setToolTip(tip);
  s->setObjectName(name);
  s->setAccelerated(true);
  return s;
}

QString bytes(std::int64_t b) { return QString::fromStdString(format_bytes(b)); }
QString duration(double s) { return QString::fromStdString(format_duration(s)); }

// The cores shared by `parallel` training processes, at least one each.
int default_threads(int parallel) { return std::max(1, QThread::idealThreadCount() / std::max(1, parallel)); }

QString scheme_word(NormScheme s) { return QString::fromStdString(to_string(s)); }

QIcon swatch(const QColor& c) {
  QPixmap pm(14, 14);
  pm.fill(c);
  return QIcon(pm);
}

}  // namespace

NewExperimentDialog::NewExperimentDialog(QWidget* parent, DeviceOptions devices)
    : QDialog(parent), devices_(std::move(devices)) {
  setWindowTitle("New experiment");
  setObjectName("new_experiment_dialog");

  name_ = new QLineEdit(QString("lab-%1").arg(QDateTime::currentDateTime().toString("MMdd-HHmm")));
  name_->setObjectName("exp_name");
  name_->setToolTip("The experiment's name; runs are named <name>/<scheme>");

  // --- model ------------------------------------------------------------------------
  preset_ = new QComboBox;
  preset_->setObjectName("exp_preset");
  preset_->setToolTip("A preset shape (depthscope-cli presets) or your own dimensions");
  preset_->addItem("Custom dimensions", QString());
  for (const Preset& p : presets())
    preset_->addItem(QString("%1 — %2").arg(QString::fromStdString(p.name), QString::fromStdString(p.description)),
                     QString::fromStdString(p.name));
  layers_ = spin(1, 512, 4, "Transformer blocks L", "exp_layers");
  hidden_ = spin(8, 16384, 128, "d_model (must be a multiple of the heads)", "exp_hidden", 8);
  heads_ = spin(1, 256, 4, "Attention heads (the FFN width is 8/3 d_model, rounded to 8)", "exp_heads");
  auto* dims = new QHBoxLayout;
  dims->addWidget(new QLabel("layers"));
  dims->addWidget(layers_);
  dims->addWidget(new QLabel("d_model"));
  dims->addWidget(hidden_);
  dims->addWidget(new QLabel("heads"));
  dims->addWidget(heads_);
  dims->addStretch(1);

  // --- data -------------------------------------------------------------------------
  corpus_ = new QComboBox;
  corpus_->setObjectName("exp_corpus");
  corpus_->addItem("Debian default texts (fortunes + Jargon File)", "default");
  corpus_->addItem("My text files", "files");
  corpus_->setToolTip("What to train on; the corpus is tokenized once and cached beside the run database (corpora/)");
  corpus_files_ = new QLineEdit;
  corpus_files_->setObjectName("exp_corpus_files");
  corpus_files_->setPlaceholderText("text or .gz files, separated by ;");
  corpus_files_->setToolTip("Plain text or gzip files; paragraphs (or fortune entries) become documents");
  browse_ = new QPushButton("Browse…");
  browse_->setToolTip("Choose text files");
  tokenizer_ = new QComboBox;
  tokenizer_->setObjectName("exp_tokenizer");
  tokenizer_->addItem("bytes (vocabulary 256)", "bytes");
  tokenizer_->addItem("BPE, trained on the corpus", "bpe");
  tokenizer_->addItem("unigram, trained on the corpus", "unigram");
  tokenizer_->setToolTip("How text becomes token ids (docs/training.md, Tokenizers)");
  vocab_ = spin(260, 262144, 4096, "Vocabulary size of a trained BPE / unigram tokenizer", "exp_vocab", 256);
  auto* files_row = new QHBoxLayout;
  files_row->addWidget(corpus_files_, 1);
  files_row->addWidget(browse_);
  auto* tok_row = new QHBoxLayout;
  tok_row->addWidget(tokenizer_, 1);
  tok_row->addWidget(new QLabel("vocabulary"));
  tok_row->addWidget(vocab_);

  // --- schemes ----------------------------------------------------------------------
  auto* scheme_grid = new QGridLayout;
  int i = 0;
  for (NormScheme s : all_norm_schemes()) {
    auto* box = new QCheckBox(scheme_label(s));
    box->setObjectName("scheme_" + scheme_word(s));
    box->setIcon(swatch(scheme_color(s)));
    box->setToolTip(QString("Train one run with %1 (scheme '%2'); sibling runs share seed, initial weights and data order")
                        .arg(scheme_label(s), scheme_word(s)));
    box->setChecked(s == NormScheme::pre || s == NormScheme::lns);
    schemes_[s] = box;
    scheme_grid->addWidget(box, i / 4, i % 4);
    ++i;
  }
  gpas_ = new QCheckBox("+ GPAS on every run");
  gpas_->setObjectName("exp_gpas");
  gpas_->setToolTip("The GPAS add-on (x ← x − SiLU(g)·x after each residual addition, gate g = 0 at the start) "
                    "on every scheme's run: runs pre+gpas, lns+gpas, … (spec \"gpas\": true)");
  scheme_grid->addWidget(gpas_, (i + 3) / 4, 0, 1, 4);

  // --- training ---------------------------------------------------------------------
  steps_ = spin(1, 100000000, 600, "Optimiser steps per run", "exp_steps", 100);
  batch_ = spin(1, 4096, 8, "Sequences per step", "exp_batch");
  seq_ = spin(2, 65536, 128, "Tokens per sequence (also the model's context)", "exp_seq", 16);
  lr_ = new QDoubleSpinBox;
  lr_->setObjectName("exp_lr");
  lr_->setDecimals(6);
  lr_->setRange(0.000001, 10.0);
  lr_->setSingleStep(0.0001);
  lr_->setValue(0.001);
  lr_->setToolTip("Peak learning rate (10% warmup, cosine decay to 10%; the paper uses 1e-3)");
  seed_ = spin(0, 1 << 30, 0, "Initial weights and data order (shared by the sibling runs)", "exp_seed");
  checkpoint_every_ = spin(0, 100000000, 0, "Checkpoint every N steps (0: only at the end and when stopped)", "exp_checkpoint_every", 100);
  layer_samples_ = spin(2, 1000, 50, "How many times per run the per-layer metrics (residual variance, ...) are measured: the heatmap's columns", "exp_layer_samples", 10);
  parallel_ = spin(1, 16, 1, "Runs training at once when this launch starts the job worker (they share the cores)", "exp_parallel");
  threads_ = spin(1, 4096, default_threads(1),
                  "Tensor threads of each training process (the spec's \"threads\"); by default the cores divided by "
                  "the parallel runs, so runs training at once do not oversubscribe the cores",
                  "exp_threads");
  auto* train_row1 = new QHBoxLayout;
  for (auto [label, w] : {std::pair<const char*, QWidget*>{"steps", steps_}, {"batch", batch_}, {"sequence", seq_}}) {
    train_row1->addWidget(new QLabel(label));
    train_row1->addWidget(w);
  }
  train_row1->addStretch(1);
  auto* train_row2 = new QHBoxLayout;
  for (auto [label, w] : {std::pair<const char*, QWidget*>{"lr", lr_}, {"seed", seed_}, {"parallel runs", parallel_},
                          {"threads", threads_}}) {
    train_row2->addWidget(new QLabel(label));
    train_row2->addWidget(w);
  }
  train_row2->addStretch(1);
  auto* train_row3 = new QHBoxLayout;
  for (auto [label, w] : {std::pair<const char*, QWidget*>{"checkpoint every", checkpoint_every_},
                          {"layer samples", layer_samples_}}) {
    train_row3->addWidget(new QLabel(label));
    train_row3->addWidget(w);
  }
  train_row3->addStretch(1);

  // --- compute ----------------------------------------------------------------------
  device_ = new QComboBox;
  device_->setObjectName("exp_device");
  for (const DeviceOption& o : devices_.options) device_->addItem(o.label, QString::fromStdString(o.device.name()));
  dtype_ = new QComboBox;
  dtype_->setObjectName("exp_dtype");
  dtype_->addItem("f32", "f32");
  dtype_->addItem("bf16 (mixed)", "bf16");
  device_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  dtype_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  if (devices_.gpu_offered()) {
    device_->setToolTip("Where each run trains (the spec's \"device\"); cpu unless you choose a GPU");
    dtype_->setToolTip("The spec's \"dtype\": f32 everywhere, or bf16 mixed precision (bfloat16 GEMMs and attention, "
                       "float32 master weights and Adam state) on a GPU");
  } else {
    const QString why = QString("No GPU to offer: %1. Runs train on the CPU in float32.").arg(devices_.unavailable);
    device_->setToolTip("Device: " + why);
    dtype_->setToolTip("Precision: " + why);
    device_->setEnabled(false);
    dtype_->setEnabled(false);
  }
  auto* compute_row = new QHBoxLayout;
  compute_row->addWidget(new QLabel("device"));
  compute_row->addWidget(device_);
  compute_row->addWidget(new QLabel("precision"));
  compute_row->addWidget(dtype_);
  compute_row->addStretch(1);

  auto* form = new QFormLayout;
  form->addRow("Name", name_);
  form->addRow("Model", preset_);
  form->addRow("", dims);
  form->addRow("Corpus", corpus_);
  form->addRow("", files_row);
  form->addRow("Tokenizer", tok_row);
  form->addRow("Schemes", scheme_grid);
  form->addRow("Training", train_row1);
  form->addRow("", train_row2);
  form->addRow("", train_row3);
  form->addRow("Compute", compute_row);

  estimate_label_ = new QLabel;
  estimate_label_->setObjectName("exp_estimate");
  estimate_label_->setTextFormat(Qt::RichText);
  estimate_label_->setWordWrap(true);
  estimate_label_->setToolTip(
      "Memory per training process: parameters, gradients and Adam's moments (float32) plus the activations "
      "kept for the backward pass. Disk: model + Adam state per checkpoint. Time: a rule, not a measurement — "
      "6·(N − V·d) + 12·L·T·d FLOPs per token at 40 GFLOP/s per core plus 1 ms per step and the validation "
      "passes (rate measured with depthscope-cli train on this project's 2-core AVX-512 machines).");
  auto* est_box = new QGroupBox("Before you launch");
  auto* est_layout = new QVBoxLayout(est_box);
  est_layout->addWidget(estimate_label_);
  error_label_ = new QLabel;
  error_label_->setObjectName("exp_error");
  error_label_->setWordWrap(true);
  error_label_->setStyleSheet("color: #c62828");

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons_->button(QDialogButtonBox::Ok)->setText("Launch");
  buttons_->button(QDialogButtonBox::Ok)->setToolTip("Write the spec beside the run database and queue one run per scheme; "
                                                     "each trains in its own depthscope-cli process");
  buttons_->button(QDialogButtonBox::Cancel)->setToolTip("Close the dialog without launching anything (Esc)");
  connect(buttons_, &QDialogButtonBox::accepted, this, [this] { if (acceptable()) accept(); });
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(est_box);
  layout->addWidget(error_label_);
  layout->addWidget(buttons_);

  connect(preset_, &QComboBox::currentIndexChanged, this, &NewExperimentDialog::preset_changed);
  connect(browse_, &QPushButton::clicked, this, &NewExperimentDialog::browse_corpus);
  for (QSpinBox* s : {layers_, hidden_, heads_, vocab_, steps_, batch_, seq_, seed_, checkpoint_every_, layer_samples_, parallel_,
                      threads_})
    connect(s, &QSpinBox::valueChanged, this, &NewExperimentDialog::refresh);
  // The threads follow the parallel runs until the user sets them.
  connect(parallel_, &QSpinBox::valueChanged, this, [this](int n) {
    if (!threads_chosen_) {
      const QSignalBlocker block(threads_);
      threads_->setValue(default_threads(n));
    }
  });
  connect(threads_, &QSpinBox::valueChanged, this, [this] { threads_chosen_ = true; });
  connect(lr_, &QDoubleSpinBox::valueChanged, this, &NewExperimentDialog::refresh);
  connect(name_, &QLineEdit::textChanged, this, &NewExperimentDialog::refresh);
  connect(corpus_files_, &QLineEdit::textChanged, this, &NewExperimentDialog::refresh);
  connect(corpus_, &QComboBox::currentIndexChanged, this, &NewExperimentDialog::refresh);
  connect(tokenizer_, &QComboBox::currentIndexChanged, this, &NewExperimentDialog::refresh);
  connect(device_, &QComboBox::currentIndexChanged, this, &NewExperimentDialog::device_changed);
  connect(dtype_, &QComboBox::currentIndexChanged, this, &NewExperimentDialog::refresh);
  device_changed();
  for (QCheckBox* b : schemes_) connect(b, &QCheckBox::toggled, this, &NewExperimentDialog::refresh);
  // "tiny" (4 x 128) by default: trains in minutes on a laptop.
  const int tiny = preset_->findData("tiny");
  preset_->setCurrentIndex(tiny >= 0 ? tiny : 0);
  preset_changed();
  setMinimumWidth(640);
}

void NewExperimentDialog::preset_changed() {
  const QString preset = preset_->currentData().toString();
  const bool custom = preset.isEmpty();
  for (QSpinBox* s : {layers_, hidden_, heads_}) s->setEnabled(custom);
  if (!custom) {
    for (const Preset& p : presets()) {
      if (QString::fromStdString(p.name) != preset) continue;
      const QSignalBlocker b1(layers_), b2(hidden_), b3(heads_);
      layers_->setValue(static_cast<int>(p.config.num_layers));
      hidden_->setValue(static_cast<int>(p.config.hidden_size));
      heads_->setValue(static_cast<int>(p.config.num_heads));
    }
  }
  refresh();
}

void NewExperimentDialog::device_changed() {
  // bf16 is built for CUDA devices (core/train/train_dtype.h): on the CPU only f32 is offered.
  const bool gpu = device_->currentData().toString() != "cpu";
  auto* model = qobject_cast<QStandardItemModel*>(dtype_->model());
  if (model) model->item(1)->setEnabled(gpu);
  if (!gpu && dtype_->currentIndex() != 0) {
    const QSignalBlocker block(dtype_);
    dtype_->setCurrentIndex(0);
  }
  refresh();
}

void NewExperimentDialog::browse_corpus() {
  const QStringList files = QFileDialog::getOpenFileNames(this, "Text files to train on", QString(),
                                                          "Text (*.txt *.gz *.md);;All files (*)");
  if (files.isEmpty()) return;
  corpus_->setCurrentIndex(1);
  corpus_files_->setText(files.join(";"));
}

QString NewExperimentDialog::name() const { return name_->text().trimmed(); }
int NewExperimentDialog::parallel() const { return parallel_->value(); }

QString NewExperimentDialog::spec_json() const {
  QJsonObject j;
  j["name"] = name().isEmpty() ? QString("experiment") : name();
  QJsonObject model;
  const QString preset = preset_->currentData().toString();
  if (!preset.isEmpty()) {
    model["preset"] = preset;
  } else {
    model["layers"] = layers_->value();
    model["hidden"] = hidden_->value();
    model["heads"] = heads_->value();
  }
  j["model"] = model;
  QJsonArray schemes;
  for (NormScheme s : all_norm_schemes())
    if (schemes_[s]->isChecked()) schemes.append(scheme_word(s));
  j["schemes"] = schemes;
  if (gpas_->isChecked()) j["gpas"] = true;
  QJsonObject corpus;
  if (corpus_->currentData().toString() == "files") {
    QJsonArray files;
    for (const QString& f : corpus_files_->text().split(';', Qt::SkipEmptyParts)) files.append(f.trimmed());
    corpus["text"] = files;
  }
  const QString tok = tokenizer_->currentData().toString();
  corpus["tokenizer"] = tok == "bytes" ? tok : QString("%1:%2").arg(tok).arg(vocab_->value());
  j["corpus"] = corpus;
  j["steps"] = steps_->value();
  j["batch"] = batch_->value();
  j["seq"] = seq_->value();
  j["lr"] = lr_->value();
  j["seed"] = seed_->value();
  j["layer_metrics_every"] = std::max(1, steps_->value() / layer_samples_->value());
  j["checkpoint_every"] = checkpoint_every_->value();
  j["threads"] = threads_->value();
  // Only a choice that differs from the default: a default spec stays as it was.
  if (device_->currentData().toString() != "cpu") j["device"] = device_->currentData().toString();
  if (dtype_->currentData().toString() != "f32") j["dtype"] = dtype_->currentData().toString();
  return QString::fromUtf8(QJsonDocument(j).toJson(QJsonDocument::Indented));
}

std::optional<TrainSpec> NewExperimentDialog::spec(QString* error) const {
  try {
    bool any = false;
    for (QCheckBox* b : schemes_) any |= b->isChecked();
    if (!any) throw std::runtime_error("tick at least one scheme to compare");
    if (corpus_->currentData().toString() == "files" && corpus_files_->text().trimmed().isEmpty())
      throw std::runtime_error("choose the text files to train on (Browse…), or the Debian default texts");
    return parse_train_spec_text(spec_json().toStdString(), "new experiment", ".");
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return std::nullopt;
  }
}

void NewExperimentDialog::refresh() {
  const bool files = corpus_->currentData().toString() == "files";
  corpus_files_->setEnabled(files);
  browse_->setEnabled(true);
  vocab_->setEnabled(tokenizer_->currentData().toString() != "bytes");
  error_.clear();
  const std::optional<TrainSpec> s = spec(&error_);
  if (s) {
    estimate_ = estimate_training(*s, QThread::idealThreadCount(), parallel_->value());
    const TrainEstimate& e = *estimate_;
    const double tokens = double(s->steps) * double(s->batch) * double(s->seq);
    estimate_label_->setText(
        QString("<table cellspacing='3'>"
                "<tr><td><b>Parameters</b></td><td>%1 per run (vocabulary %2%3) · %4 runs · %5 tokens each</td></tr>"
                "<tr><td><b>Memory</b></td><td>%6 per training process: parameters %7 · gradients %8 · Adam state %9 · activations %10</td></tr>"
                "<tr><td><b>Disk</b></td><td>%11: checkpoint %12 × %13 per run × %4 runs</td></tr>"
                "<tr><td><b>Time</b></td><td>≈ %14 per run, ≈ %15 in all on %16 core(s) per run "
                "<span style='color:%17'>(rule: 6·N FLOPs per token at 40 GFLOP/s per core, not measured)</span></td></tr>"
                "</table>")
            .arg(human_count(double(e.parameters))).arg(e.vocab).arg(e.vocab_assumed ? ", assumed" : "")
            .arg(e.runs).arg(human_count(tokens))
            .arg(bytes(e.memory_bytes), bytes(e.param_bytes), bytes(e.grad_bytes), bytes(e.adam_bytes), bytes(e.activation_bytes))
            .arg(bytes(e.disk_bytes), bytes(e.checkpoint_bytes)).arg(e.checkpoints_per_run)
            .arg(duration(e.seconds_per_run), duration(e.seconds_total)).arg(e.cores_per_run)
            .arg(hint_text_color().name()));
  } else {
    estimate_.reset();
    estimate_label_->setText(QString("<span style='color:%1'>Fix the form to see the estimates.</span>").arg(hint_text_color().name()));
  }
  error_label_->setText(error_);
  error_label_->setVisible(!error_.isEmpty());
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(s.has_value());
}

bool NewExperimentDialog::acceptable() const { return spec().has_value(); }
QString NewExperimentDialog::estimate_text() const { return estimate_label_->text(); }
QString NewExperimentDialog::error_text() const { return error_; }

void NewExperimentDialog::set_name(const QString& name) { name_->setText(name); }

void NewExperimentDialog::set_dimensions(int layers, int hidden, int heads) {
  preset_->setCurrentIndex(0);
  layers_->setValue(layers);
  hidden_->setValue(hidden);
  heads_->setValue(heads);
}

void NewExperimentDialog::set_preset(const QString& preset) {
  const int i = preset_->findData(preset);
  if (i >= 0) preset_->setCurrentIndex(i);
}

void NewExperimentDialog::set_text_corpus(const QStringList& files, const QString& tokenizer) {
  corpus_->setCurrentIndex(files.isEmpty() ? 0 : 1);
  corpus_files_->setText(files.join(";"));
  const QString kind = tokenizer.section(':', 0, 0);
  const int i = tokenizer_->findData(kind);
  if (i >= 0) tokenizer_->setCurrentIndex(i);
  if (tokenizer.contains(':')) vocab_->setValue(tokenizer.section(':', 1).toInt());
}

void NewExperimentDialog::set_schemes(const std::vector<NormScheme>& schemes) {
  for (auto it = schemes_.begin(); it != schemes_.end(); ++it)
    it.value()->setChecked(std::find(schemes.begin(), schemes.end(), it.key()) != schemes.end());
}

void NewExperimentDialog::set_training(int steps, int batch, int seq, double lr, int seed) {
  steps_->setValue(steps);
  batch_->setValue(batch);
  seq_->setValue(seq);
  lr_->setValue(lr);
  seed_->setValue(seed);
}

void NewExperimentDialog::set_checkpoint_every(int steps) { checkpoint_every_->setValue(steps); }
void NewExperimentDialog::set_parallel(int n) { parallel_->setValue(n); }
void NewExperimentDialog::set_threads(int n) {
  threads_chosen_ = true;  // chosen, even when it equals today's default
  threads_->setValue(n);
}
int NewExperimentDialog::threads() const { return threads_->value(); }

void NewExperimentDialog::remember() const {
  QSettings s;
  s.beginGroup("new_experiment");
  s.setValue("name", name_->text());
  s.setValue("preset", preset_->currentData().toString());
  s.setValue("dimensions", QList<QVariant>{layers_->value(), hidden_->value(), heads_->value()});
  s.setValue("corpus", corpus_->currentData().toString());
  s.setValue("corpus_files", corpus_files_->text());
  s.setValue("tokenizer", tokenizer_->currentData().toString());
  s.setValue("vocab", vocab_->value());
  QStringList schemes;
  for (auto it = schemes_.begin(); it != schemes_.end(); ++it)
    if (it.value()->isChecked()) schemes << scheme_word(it.key());
  s.setValue("schemes", schemes);
  s.setValue("training", QList<QVariant>{steps_->value(), batch_->value(), seq_->value(), lr_->value(), seed_->value()});
  s.setValue("checkpoint_every", checkpoint_every_->value());
  s.setValue("layer_samples", layer_samples_->value());
  s.setValue("parallel", parallel_->value());
  s.setValue("threads", threads_chosen_ ? threads_->value() : 0);  // 0: follow the parallel runs
  s.setValue("device", device_->currentData().toString());
  s.setValue("dtype", dtype_->currentData().toString());
}

void NewExperimentDialog::restore_last() {
  QSettings s;
  s.beginGroup("new_experiment");
  if (!s.contains("training")) return;  // never launched: the defaults
  const auto combo = [&](QComboBox* box, const QString& key) {
    const int i = box->findData(s.value(key).toString());
    if (i >= 0) box->setCurrentIndex(i);
  };
  name_->setText(s.value("name").toString());
  combo(preset_, "preset");
  const QList<QVariant> dims = s.value("dimensions").toList();
  if (dims.size() == 3 && preset_->currentData().toString().isEmpty()) set_dimensions(dims[0].toInt(), dims[1].toInt(), dims[2].toInt());
  combo(corpus_, "corpus");
  corpus_files_->setText(s.value("corpus_files").toString());
  combo(tokenizer_, "tokenizer");
  vocab_->setValue(s.value("vocab", vocab_->value()).toInt());
  const QStringList schemes = s.value("schemes").toStringList();
  // A scheme this build does not list is skipped; one it lists but the settings do not is unticked.
  for (auto it = schemes_.begin(); it != schemes_.end(); ++it) it.value()->setChecked(schemes.contains(scheme_word(it.key())));
  const QList<QVariant> t = s.value("training").toList();
  if (t.size() == 5) set_training(t[0].toInt(), t[1].toInt(), t[2].toInt(), t[3].toDouble(), t[4].toInt());
  checkpoint_every_->setValue(s.value("checkpoint_every", checkpoint_every_->value()).toInt());
  layer_samples_->setValue(s.value("layer_samples", layer_samples_->value()).toInt());
  parallel_->setValue(s.value("parallel", parallel_->value()).toInt());
  if (const int threads = s.value("threads", 0).toInt(); threads > 0) set_threads(threads);
  set_device(s.value("device", "cpu").toString(), s.value("dtype", "f32").toString());
  refresh();
}

bool NewExperimentDialog::set_device(const QString& device, const QString& dtype) {
  const int d = device_->findData(device);
  const int t = dtype_->findData(dtype);
  if (d < 0 || t < 0 || (device == "cpu" && dtype != "f32")) return false;
  device_->setCurrentIndex(d);
  dtype_->setCurrentIndex(t);
  return true;
}

}  // namespace depthscope::ui
