#include "ui/inspect/inspect_panel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTimer>
#include <QVBoxLayout>

#include "core/analysis/analysis_cache.h"
#include "core/analysis/eval_set.h"
#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "core/runtime/memory.h"
#include "core/runtime/progress.h"
#include "core/session/model_session.h"
#include "ui/inspect/inspect_charts.h"
#include "ui/shared/background_task.h"
#include "ui/shared/chart.h"
#include "ui/shared/job_list.h"
#include "ui/shared/palette.h"
#include "ui/shared/removal_bars.h"

namespace depthscope::ui {
namespace {

QColor model_color(const ModelSession* s) {
  return s ? scheme_color(s->config().norm_scheme) : scheme_color(NormScheme::pre);
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return text;
}

}  // namespace

InspectPanel::InspectPanel(JobList* jobs, QWidget* parent)
    : QWidget(parent),
      jobs_(jobs),
      runner_(new TaskRunner(this)),
      cache_dir_(QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation)).filePath("analyses")),
      charts_(new InspectCharts(this)) {
  QVBoxLayout* controls = make_controls();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 8, 10, 6);
  layout->addLayout(controls);
  layout->addLayout(charts_->make_grid(), 1);
  reset_charts();

  connect(analyse_button_, &QPushButton::clicked, this, [this] { analyse(false); });
  connect(cancel_button_, &QPushButton::clicked, this, &InspectPanel::cancel);
  connect(log_box_, &QCheckBox::toggled, charts_->variance, &Chart::set_log_y);
  connect(max_n_box_, qOverload<int>(&QSpinBox::valueChanged), charts_, &InspectCharts::set_max_n);
  connect(angular_mode_box_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this](int i) { charts_->set_last_token(i == 1); });
  connect(removal_metric_box_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this](int i) { charts_->removal->set_metric(static_cast<RemovalBars::Metric>(i)); });
  connect(removal_log_box_, &QCheckBox::toggled, this, [this](bool on) { charts_->removal->set_log(on); });
  connect(choices_button_, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Multiple-choice set", QString(), "JSON lines (*.jsonl *.json);;All files (*)");
    if (!f.isEmpty()) set_choices_file(f);
  });
  connect(runner_, &TaskRunner::updated, this, &InspectPanel::refit);
  connect(runner_, &TaskRunner::progress, this, [this](int, double f, double eta, const QString& stage) {
    progress_bar_->setValue(int(f * 1000 + 0.5));
    status_label_->setText(QString("%1 · ETA %2%3").arg(stage, QString::fromStdString(format_duration(eta)), memory_text_));
    if (jobs_) jobs_->progress(job_id_, f, eta, stage);
  });
  connect(runner_, &TaskRunner::finished, this, [this](int, bool cancelled, double seconds) {
    set_running(false);
    if (cancelled) {
      status_label_->setText("Cancelled; the results so far are shown. Press Analyse to run again.");
      emit log("Inspect: cancelled");
    } else {
      progress_bar_->setValue(1000);
      status_label_->setText(QString("Done in %1").arg(QString::fromStdString(format_duration(seconds))));
      emit log(QString("Inspect: done in %1 s").arg(seconds, 0, 'f', 2));
    }
    if (jobs_) jobs_->end(job_id_, cancelled ? "cancelled" : "finished");
    emit finished(cancelled);
  });
  connect(runner_, &TaskRunner::failed, this, [this](int, const QString& message) {
    set_running(false);
    status_label_->setText("Failed: " + message);
    charts_->removal_chart->set_message("Could not analyse this model:\n" + message +
                                        "\n\nTry fewer tokens or a shorter n_ctx, then press Analyse.");
    emit log("Inspect failed: " + message);
    if (jobs_) jobs_->end(job_id_, "failed: " + message);
    emit failed(message);
  });
}

QVBoxLayout* InspectPanel::make_controls() {
  tokens_box_ = new QSpinBox;
  tokens_box_->setRange(64, 1 << 20);
  tokens_box_->setSingleStep(1024);
  tokens_box_->setValue(4096);
  tokens_box_->setToolTip("Evaluation tokens taken from the corpus (Debian fortunes-min)");
  n_ctx_box_ = new QSpinBox;
  n_ctx_box_->setRange(8, 8192);
  n_ctx_box_->setValue(256);
  n_ctx_box_->setToolTip("Window length n_ctx; perplexity scores the second half of each window (llama.cpp)");
  prune_box_ = new QSpinBox;
  prune_box_->setRange(1, 512);
  prune_box_->setValue(12);
  prune_box_->setToolTip("Most layers the greedy pruning curve removes");
  max_n_box_ = new QSpinBox;
  max_n_box_->setRange(1, 512);
  max_n_box_->setValue(512);
  max_n_box_->setToolTip("Largest distance n shown in the angular-distance heatmap");
  angular_mode_box_ = new QComboBox;
  angular_mode_box_->addItems({"token mean", "last token"});
  angular_mode_box_->setToolTip("Angular distance averaged over every token, or of the last token of each window "
                                "(as the paper's official code does)");
  choices_button_ = new QPushButton("Choices…");
  choices_button_->setObjectName("inspect_choices");
  choices_button_->setToolTip("A multiple-choice set (JSONL: lm-eval, DepthScope, ARC, HellaSwag, PIQA or MMLU rows) "
                              "scored with each layer removed, as lm-evaluation-harness scores it: then the removal "
                              "chart can show Δacc and Δacc_norm with their standard errors");
  removal_log_box_ = new QCheckBox("Log ΔPPL");
  removal_log_box_->setObjectName("removal_log");
  removal_log_box_->setChecked(true);
  removal_log_box_->setToolTip("ΔPPL on a logarithmic axis (below 0.001 drawn at 0.001): a first layer that costs "
                               "hundreds no longer flattens the other bars");
  removal_metric_box_ = new QComboBox;
  removal_metric_box_->setObjectName("removal_metric");
  removal_metric_box_->addItems({"ΔPPL", "Δacc", "Δacc_norm"});
  removal_metric_box_->setEnabled(false);
  removal_metric_box_->setToolTip("What the removal chart shows per removed layer: the perplexity change, or the "
                                  "change of acc / acc_norm on the multiple-choice set (error bars: ±1 stderr)");
  log_box_ = new QCheckBox("Log variance");
  log_box_->setChecked(true);
  log_box_->setToolTip("Variance on a logarithmic axis: exponential growth with depth shows as a straight line");
  analyse_button_ = new QPushButton("Analyse");
  analyse_button_->setObjectName("analyse");
  analyse_button_->setEnabled(false);
  analyse_button_->setToolTip("Run every analysis on the evaluation set: statistics, logit lens, removal sweep, "
                              "greedy pruning (the estimated time and memory are shown first)");
  cancel_button_ = new QPushButton("Cancel");
  cancel_button_->setEnabled(false);
  cancel_button_->setToolTip("Stop the analysis; what has been computed so far stays on the charts");
  progress_bar_ = new QProgressBar;
  progress_bar_->setRange(0, 1000);
  progress_bar_->setMaximumWidth(160);
  status_label_ = new QLabel("Open a checkpoint to inspect it.");
  status_label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  status_label_->setMinimumWidth(120);
  status_label_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  status_label_->setStyleSheet(QString("color: %1").arg(hint_text_color().name()));

  // Two rows, so the tab fits a 1366-pixel screen: what is computed (and the run), then how
  // it is shown.
  auto* compute = new QHBoxLayout;
  compute->addWidget(new QLabel("Tokens"));
  compute->addWidget(tokens_box_);
  compute->addWidget(new QLabel("n_ctx"));
  compute->addWidget(n_ctx_box_);
  compute->addWidget(new QLabel("Prune up to"));
  compute->addWidget(prune_box_);
  compute->addWidget(choices_button_);
  compute->addSpacing(8);
  compute->addWidget(analyse_button_);
  compute->addWidget(cancel_button_);
  compute->addWidget(status_label_, 1);
  compute->addWidget(progress_bar_);
  auto* show = new QHBoxLayout;
  show->addWidget(new QLabel("Angular: max n"));
  show->addWidget(max_n_box_);
  show->addWidget(angular_mode_box_);
  show->addSpacing(12);
  show->addWidget(log_box_);
  show->addSpacing(12);
  show->addWidget(new QLabel("Removal:"));
  show->addWidget(removal_metric_box_);
  show->addWidget(removal_log_box_);
  show->addStretch(1);
  auto* controls = new QVBoxLayout;
  controls->setSpacing(4);
  controls->addLayout(compute);
  controls->addLayout(show);
  return controls;
}

InspectPanel::~InspectPanel() { runner_->cancel(); }

bool InspectPanel::running() const { return runner_->running() || replaying_; }

void InspectPanel::set_session(std::shared_ptr<const ModelSession> session, const QString& device) {
  // The old model's analysis stops at its next layer; results it already computed (queued,
  // not yet drawn) and its finished signal are dropped by the runner, so the new model's
  // fresh charts never show a point of the old one.
  if (runner_->running()) {
    if (jobs_) jobs_->end(job_id_, "cancelled");
    emit log("Inspect: stopped the analysis of the previous model");
  }
  runner_->abandon();
  ++replay_generation_;
  replaying_ = false;
  set_running(false);
  session_ = std::move(session);
  device_ = device;
  layers_ = static_cast<int>(session_->config().num_layers);
  const QString source = QString::fromStdString(session_->summary().path).section('/', -1);
  for (Chart* c : charts_->all()) c->set_source(source);
  n_ctx_box_->setValue(static_cast<int>(std::min<std::int64_t>(256, session_->config().max_position)));
  prune_box_->setValue(std::max(1, std::min(layers_ - 1, 12)));
  max_n_box_->setValue(layers_);
  analyse_button_->setEnabled(true);
  reset_charts();
  status_label_->setText("Press Analyse to run the model over the evaluation text.");
}

void InspectPanel::set_evaluation(int tokens, int n_ctx, int max_pruned) {
  tokens_box_->setValue(tokens);
  n_ctx_box_->setValue(n_ctx);
  prune_box_->setValue(max_pruned);
}

void InspectPanel::set_evaluation_text(const QString& path) { text_path_ = path.toStdString(); }

void InspectPanel::reset_charts() {
  const QString name = session_ ? QString::fromStdString(session_->summary().scheme) : QString("model");
  charts_->reset(model_color(session_.get()), name, layers_, prune_box_->value(),
                 session_ ? "Press Analyse" : "Open a checkpoint (Ctrl+O)");
  removal_metric_box_->setCurrentIndex(0);
  removal_metric_box_->setEnabled(false);
}

AnalysisKey InspectPanel::key() const {
  AnalysisKey k;
  // A model without a file (ModelSession::random) names none: it is never kept.
  const QString path = QString::fromStdString(session_->summary().path);
  if (!path.isEmpty() && QFileInfo::exists(path)) k.checkpoint = path.toStdString();
  k.text = text_path_;
  k.choices = choices_path_;
  k.max_tokens = tokens_box_->value();
  k.n_ctx = n_ctx_box_->value();
  k.max_pruned = std::min(prune_box_->value(), std::max(1, layers_ - 1));
  k.device = device_.toStdString();
  return k;
}

void InspectPanel::analyse(bool reuse) {
  if (!session_) return;
  if (runner_->running() && jobs_) jobs_->end(job_id_, "cancelled");  // start() abandons it
  ++replay_generation_;
  const AnalysisKey k = key();
  if (reuse && !cache_dir_.isEmpty() && !k.checkpoint.empty()) {
    std::optional<AnalysisRecord> kept = load_analysis(cache_dir_.toStdString(), analysis_fingerprint(k));
    if (kept) {
      // Shown on the next turn of the event loop, as a computation's first results would be.
      runner_->abandon();
      replaying_ = true;
      set_running(true);
      QTimer::singleShot(0, this, [this, generation = replay_generation_, record = std::move(*kept)] {
        if (generation == replay_generation_) replay(record);
      });
      return;
    }
  }
  compute(k);
}

void InspectPanel::replay(const AnalysisRecord& r) {
  reset_charts();
  for (Chart* c : charts_->all()) c->set_message(QString());
  for (const LayerStats& s : r.stats) charts_->add_stats(s);
  for (const LayerRemovalEntry& e : r.removal) charts_->add_removal(e);
  charts_->set_baseline(r.baseline);
  for (const PruningStep& st : r.pruning) charts_->add_pruning(st);
  removal_metric_box_->setEnabled(charts_->removal->has_accuracy());
  refit();
  replaying_ = false;
  reused_ = true;
  set_running(false);
  progress_bar_->setValue(1000);
  status_label_->setText(QString("Kept analysis · took %1").arg(QString::fromStdString(format_duration(r.seconds))));
  status_label_->setToolTip(QString("Computed %1 in %2 over %3 tokens and kept; Analyse computes it again")
                                .arg(QString::fromStdString(r.computed_at), QString::fromStdString(format_duration(r.seconds)))
                                .arg(r.tokens));
  emit log(QString("Inspect: shown from the kept analysis of %1 (%2 tokens from %3, computed %4 in %5 s); "
                   "Analyse computes it again")
               .arg(QString::fromStdString(session_->summary().path)).arg(r.tokens)
               .arg(QString::fromStdString(r.source), QString::fromStdString(r.computed_at))
               .arg(r.seconds, 0, 'f', 1));
  emit finished(false);
}

void InspectPanel::compute(const AnalysisKey& key) {
  reused_ = false;
  status_label_->setToolTip(QString());
  replaying_ = false;
  reset_charts();
  memory_text_.clear();
  for (Chart* c : charts_->all()) c->set_message(QString());
  const auto session = session_;
  EvalSetOptions eval;
  eval.max_tokens = key.max_tokens;
  eval.n_ctx = key.n_ctx;
  const std::string cache_dir = key.checkpoint.empty() ? std::string() : cache_dir_.toStdString();
  InspectPanel* self = this;  // closures run on the GUI thread, from the panel's own runner
  const int task = runner_->start([=](const TaskContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    // The same tokens and windows (BOS included) as `depthscope-cli perplexity/prune-sweep
    // --text FILE --max-tokens N --ctx N`.
    const EvalSet set = session->evaluation_set(key.text, eval);
    LayerStatsOptions so;
    so.n_ctx = set.windows.n_ctx;
    RemovalOptions ro;
    ro.windows = set.windows;
    if (!key.choices.empty()) ro.choices = session->multiple_choice_set(key.choices);
    // Peak memory of the three analyses (they run one after another), known before any
    // work; a request beyond the budget fails here with the estimate and what would fit.
    const std::int64_t n_tokens = static_cast<std::int64_t>(set.tokens.size());
    const std::int64_t estimate =
        std::max(plan_layer_statistics(session->config(), n_tokens, so).memory_estimate_bytes,
                 removal_memory_estimate(session->config(), n_tokens, ro, /*greedy=*/true));
    check_removal_memory(session->config(), n_tokens, ro, /*greedy=*/true);
    ctx.deliver([self, source = set.source, n = set.tokens.size(), estimate] {
      self->memory_text_ = QString(" · est. peak memory %1").arg(QString::fromStdString(format_bytes(estimate)));
      emit self->log(QString("Inspect: %1 tokens from %2, estimated peak memory %3")
                         .arg(n)
                         .arg(QString::fromStdString(source), QString::fromStdString(format_bytes(estimate))));
    });
    // The three phases weighted by their layer passes, so the ETA holds from the start: the
    // statistics about two per layer (the forward and the logit lens), the sweep and the
    // greedy curve their own counts (layer_removal.h).
    const double L = static_cast<double>(session->config().num_layers);
    const double passes[] = {2 * L, removal_sweep_passes(session->config().num_layers),
                             greedy_pruning_passes(session->config().num_layers, key.max_pruned)};
    const double total = passes[0] + passes[1] + passes[2];
    const double a = passes[0] / total, b = (passes[0] + passes[1]) / total;
    AnalysisRecord record;
    record.stats = layer_statistics(session->model(), set.tokens, so, ctx.phase(0.0, a, "statistics"),
                                    [&](const LayerStats& s) { ctx.deliver([self, s] { self->charts_->add_stats(s); }); })
                       .layers;
    const LayerRemovalSweep sweep =
        layer_removal_sweep(session->model(), set.tokens, ro, ctx.phase(a, b, "removal sweep"),
                            [&](const LayerRemovalEntry& e) {
                              ctx.deliver([self, e] {
                                self->charts_->add_removal(e);
                                self->removal_metric_box_->setEnabled(self->charts_->removal->has_accuracy());
                              });
                            });
    ctx.deliver([self, b = sweep.baseline] { self->charts_->set_baseline(b); });
    record.pruning = greedy_pruning_curve(session->model(), set.tokens, ro, key.max_pruned,
                                          ctx.phase(b, 1.0, "greedy pruning"),
                                          [&](const PruningStep& st) { ctx.deliver([self, st] { self->charts_->add_pruning(st); }); })
                         .steps;
    if (cache_dir.empty()) return;
    record.baseline = sweep.baseline;
    record.removal = sweep.layers;
    record.tokens = n_tokens;
    record.source = set.source;
    record.memory_estimate_bytes = estimate;
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    record.computed_at = utc_now();
    try {
      save_analysis(cache_dir, analysis_fingerprint(key), record);
    } catch (const std::exception& e) {  // the results are shown all the same
      ctx.deliver([self, message = std::string(e.what())] {
        emit self->log(QString("Inspect: the analysis could not be kept: %1").arg(QString::fromStdString(message)));
      });
    }
  });
  if (jobs_) {
    TaskRunner* runner = runner_;
    job_id_ = jobs_->start(QString("Inspect %1").arg(QString::fromStdString(session_->summary().path).section('/', -1)),
                           [runner, task] { runner->cancel(task); });
  }
  set_running(true);
  progress_bar_->setValue(0);
  status_label_->setText("starting…");
}

void InspectPanel::cancel() {
  runner_->cancel();  // atomic, read by core between layer passes
  if (runner_->running()) status_label_->setText("cancelling…");
}

void InspectPanel::set_choices_file(const QString& path) {
  choices_path_ = path.toStdString();
  choices_button_->setText(path.isEmpty() ? QString("Choices…") : QFileInfo(path).fileName());
  emit log(path.isEmpty() ? QString("Inspect: no multiple-choice set")
                          : QString("Inspect: multiple-choice set %1 (scored at the next Analyse)").arg(path));
}

void InspectPanel::set_removal_metric(int metric) { removal_metric_box_->setCurrentIndex(metric); }

void InspectPanel::refit() {
  charts_->refit(prune_box_->value());
  charts_->set_max_n(max_n_box_->value());
}

void InspectPanel::set_running(bool on) {
  analyse_button_->setEnabled(!on && session_ != nullptr);
  cancel_button_->setEnabled(on);
  tokens_box_->setEnabled(!on);
  n_ctx_box_->setEnabled(!on);
  prune_box_->setEnabled(!on);
}

}  // namespace depthscope::ui
