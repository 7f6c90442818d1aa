#include "ui/inspect/inspect_panel.h"

#include "core/runtime/memory.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "core/analysis/eval_set.h"
#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "core/runtime/progress.h"
#include "ui/shared/background_task.h"
#include "ui/shared/chart.h"
#include "ui/shared/removal_bars.h"
#include "ui/shared/job_list.h"
#include "core/session/model_session.h"
#include "ui/shared/palette.h"

namespace depthscope::ui {
namespace {

QColor model_color(const ModelSession* s) {
  return s ? scheme_color(s->config().norm_scheme) : scheme_color(NormScheme::pre);
}

QString num(double v, int digits = 6) { return QString::number(v, 'g', digits); }

}  // namespace

InspectPanel::InspectPanel(JobList* jobs, QWidget* parent)
    : QWidget(parent), jobs_(jobs), runner_(new TaskRunner(this)) {
  // --- controls -----------------------------------------------------------------------
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

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel("Tokens"));
  controls->addWidget(tokens_box_);
  controls->addWidget(new QLabel("n_ctx"));
  controls->addWidget(n_ctx_box_);
  controls->addWidget(new QLabel("Prune up to"));
  controls->addWidget(prune_box_);
  controls->addWidget(new QLabel("max n"));
  controls->addWidget(max_n_box_);
  controls->addWidget(angular_mode_box_);
  controls->addWidget(log_box_);
  controls->addWidget(removal_log_box_);
  controls->addWidget(choices_button_);
  controls->addWidget(removal_metric_box_);
  controls->addSpacing(8);
  controls->addWidget(analyse_button_);
  controls->addWidget(cancel_button_);
  controls->addWidget(status_label_, 1);
  controls->addWidget(progress_bar_);

  // --- charts -----------------------------------------------------------------------------
  variance_chart_ = new Chart("variance-by-depth");
  variance_chart_->set_axis_labels("layer l", "Var(x_l+1)  residual-stream variance");
  variance_chart_->set_log_y(true);
  variance_chart_->set_tooltip([](const QString&, double l, double v) {
    return QString("layer %1 output\nVar = %2").arg(int(l)).arg(num(v));
  });
  angular_chart_ = new Chart("angular-distance");
  angular_chart_->set_axis_labels("layer l", "distance n");
  angular_chart_->legend->setVisible(false);
  angular_map_ = new QCPColorMap(angular_chart_->xAxis, angular_chart_->yAxis);
  angular_map_->setName("d(l, l+n)");
  angular_map_->setGradient(viridis_gradient());
  angular_map_->setInterpolate(false);
  auto* scale = new QCPColorScale(angular_chart_);
  angular_chart_->plotLayout()->addElement(2, 1, scale);
  scale->setType(QCPAxis::atRight);
  scale->setLabel("d(l, l+n)");
  scale->setBarWidth(12);
  angular_map_->setColorScale(scale);  // takes the scale's gradient, so set it afterwards
  scale->setGradient(viridis_gradient());
  angular_map_->setGradient(viridis_gradient());
  auto* group = new QCPMarginGroup(angular_chart_);
  angular_chart_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  angular_chart_->set_cell_tooltip([](double l, double n, double d) {
    return QString("d(%1, %2) = %3\nlayer %1 input vs layer %2 input").arg(int(l)).arg(int(l + n)).arg(num(d, 4));
  });
  logit_chart_ = new Chart("logit-lens");
  logit_chart_->set_axis_labels("layer l", "next-token loss of head(x_l+1)  [nats]");
  logit_chart_->set_tooltip([](const QString&, double l, double v) {
    return QString("layer %1 output through the head\nloss = %2 nats (ppl %3)").arg(int(l)).arg(num(v, 5)).arg(num(std::exp(v), 5));
  });
  removal_chart_ = new Chart("layer-removal");
  removal_chart_->legend->setVisible(false);
  removal_ = std::make_unique<RemovalBars>(removal_chart_);  // bars, error bars, tooltip
  removal_->set_log(true);
  pruning_chart_ = new Chart("greedy-pruning");
  pruning_chart_->set_axis_labels("layers removed", "perplexity");
  pruning_chart_->legend->setVisible(false);
  pruning_chart_->set_tooltip([this](const QString&, double k, double ppl) {
    return QString("%1 layers removed%2\nPPL = %3").arg(int(k)).arg(pruned_layers_.value(int(k))).arg(num(ppl, 5));
  });

  // CSV for every chart.
  variance_chart_->set_csv_provider([this] {
    CsvTable t{{"layer", "output_variance"}, {}};
    for (auto it = variance_graph_->data()->constBegin(); it != variance_graph_->data()->constEnd(); ++it)
      t.rows << QStringList{QString::number(int(it->key)), num(it->value, 9)};
    return t;
  });
  logit_chart_->set_csv_provider([this] {
    CsvTable t{{"layer", "logit_lens_loss"}, {}};
    for (auto it = logit_graph_->data()->constBegin(); it != logit_graph_->data()->constEnd(); ++it)
      t.rows << QStringList{QString::number(int(it->key)), num(it->value, 9)};
    return t;
  });
  removal_chart_->set_csv_provider([this] { return removal_->csv(); });
  pruning_chart_->set_csv_provider([this] {
    CsvTable t{{"layers_removed", "ppl", "removed"}, {}};
    for (auto it = pruning_graph_->data()->constBegin(); it != pruning_graph_->data()->constEnd(); ++it)
      t.rows << QStringList{QString::number(int(it->key)), num(it->value, 9), pruned_layers_.value(int(it->key)).trimmed()};
    return t;
  });
  angular_chart_->set_csv_provider([this] {
    CsvTable t{{"l", "n", "angular_distance"}, {}};
    QCPColorMapData* d = angular_map_->data();
    for (int k = 0; k < d->keySize(); ++k)
      for (int v = 0; v < d->valueSize(); ++v)
        if (std::isfinite(d->cell(k, v)))
          t.rows << QStringList{QString::number(k + 1), QString::number(v + 1), num(d->cell(k, v), 9)};
    return t;
  });

  for (Chart* c : {variance_chart_, angular_chart_, logit_chart_, removal_chart_, pruning_chart_}) c->set_integer_x();
  {
    QSharedPointer<QCPAxisTickerFixed> n_ticks(new QCPAxisTickerFixed);
    n_ticks->setTickStep(1.0);
    n_ticks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    angular_chart_->yAxis->setTicker(n_ticks);
  }
  auto* grid = new QGridLayout;
  grid->setSpacing(8);
  grid->addWidget(variance_chart_, 0, 0);
  grid->addWidget(angular_chart_, 0, 1);
  grid->addWidget(logit_chart_, 0, 2);
  grid->addWidget(removal_chart_, 1, 0, 1, 2);
  grid->addWidget(pruning_chart_, 1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 8, 10, 6);
  layout->addLayout(controls);
  layout->addLayout(grid, 1);
  reset_charts();

  connect(analyse_button_, &QPushButton::clicked, this, &InspectPanel::analyse);
  connect(cancel_button_, &QPushButton::clicked, this, &InspectPanel::cancel);
  connect(log_box_, &QCheckBox::toggled, variance_chart_, &Chart::set_log_y);
  connect(max_n_box_, qOverload<int>(&QSpinBox::valueChanged), this, &InspectPanel::apply_max_n);
  connect(angular_mode_box_, qOverload<int>(&QComboBox::currentIndexChanged), this, &InspectPanel::show_angular_mode);
  connect(removal_metric_box_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this](int i) { removal_->set_metric(static_cast<RemovalBars::Metric>(i)); });
  connect(removal_log_box_, &QCheckBox::toggled, this, [this](bool on) { removal_->set_log(on); });
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
    removal_chart_->set_message("Could not analyse this model:\n" + message +
                                "\n\nTry fewer tokens or a shorter n_ctx, then press Analyse.");
    emit log("Inspect failed: " + message);
    if (jobs_) jobs_->end(job_id_, "failed: " + message);
    emit failed(message);
  });
}

InspectPanel::~InspectPanel() { runner_->cancel(); }

bool InspectPanel::running() const { return runner_->running(); }

void InspectPanel::set_session(std::shared_ptr<const ModelSession> session) {
  // The old model's analysis stops at its next layer; results it already computed (queued,
  // not yet drawn) and its finished signal are dropped by the runner, so the new model's
  // fresh charts never show a point of the old one.
  if (runner_->running()) {
    if (jobs_) jobs_->end(job_id_, "cancelled");
    emit log("Inspect: stopped the analysis of the previous model");
  }
  runner_->abandon();
  set_running(false);
  session_ = std::move(session);
  layers_ = static_cast<int>(session_->config().num_layers);
  const QString source = QString::fromStdString(session_->summary().path).section('/', -1);
  for (Chart* c : {variance_chart_, angular_chart_, logit_chart_, removal_chart_, pruning_chart_}) c->set_source(source);
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
  const QColor color = model_color(session_.get());
  const QString name = session_ ? QString::fromStdString(session_->summary().scheme) : QString("model");
  variance_chart_->clearGraphs();
  variance_graph_ = variance_chart_->add_line_series(name, color);
  logit_chart_->clearGraphs();
  logit_graph_ = logit_chart_->add_line_series("logit lens", color);
  logit_chart_->legend->setVisible(false);
  pruning_chart_->clearGraphs();
  pruning_graph_ = pruning_chart_->add_line_series("greedy pruning", color);
  pruned_layers_.clear();
  removal_->reset(color);
  removal_metric_box_->setCurrentIndex(0);
  removal_metric_box_->setEnabled(false);
  const int L = std::max(1, layers_);
  angular_map_->data()->setSize(L, L);
  angular_map_->data()->setRange(QCPRange(1, L), QCPRange(1, L));
  angular_map_->data()->fill(std::numeric_limits<double>::quiet_NaN());
  const std::vector<double> unknown(static_cast<std::size_t>(L), std::numeric_limits<double>::quiet_NaN());
  angular_token_mean_.assign(static_cast<std::size_t>(L), unknown);
  angular_last_token_.assign(static_cast<std::size_t>(L), unknown);
  baseline_ppl_ = 0;

  variance_chart_->set_title("Variance by depth", "residual stream after each layer");
  angular_chart_->set_title("Angular distance d(l, l+n)", "arccos(cos(x_l, x_l+n)) / π; d < 0.2: nearly the identity");
  logit_chart_->set_title("Logit lens", "loss if the model stopped after layer l");
  removal_chart_->set_title("Removal impact", "perplexity change when one layer is bypassed (fills in as each layer finishes)");
  pruning_chart_->set_title("Greedy pruning", "remove the least useful layer, repeatedly");
  const QString empty = session_ ? "Press Analyse" : "Open a checkpoint (Ctrl+O)";
  for (Chart* c : {variance_chart_, angular_chart_, logit_chart_, removal_chart_, pruning_chart_}) {
    c->set_message(empty);
    c->xAxis->setRange(0.5, L + 0.5);
  }
  pruning_chart_->xAxis->setRange(-0.5, prune_box_->value() + 0.5);
  for (Chart* c : {variance_chart_, angular_chart_, logit_chart_, removal_chart_, pruning_chart_})
    c->replot(QCustomPlot::rpQueuedReplot);
}

void InspectPanel::analyse() {
  if (!session_) return;
  if (runner_->running() && jobs_) jobs_->end(job_id_, "cancelled");  // start() abandons it
  reset_charts();
  memory_text_.clear();
  for (Chart* c : {variance_chart_, angular_chart_, logit_chart_, removal_chart_, pruning_chart_}) c->set_message(QString());
  const auto session = session_;
  EvalSetOptions eval;
  eval.max_tokens = tokens_box_->value();
  eval.n_ctx = n_ctx_box_->value();
  const std::string text_path = text_path_;
  const std::string choices_path = choices_path_;
  const std::int64_t max_pruned = std::min(prune_box_->value(), std::max(1, layers_ - 1));
  InspectPanel* self = this;  // closures run on the GUI thread, from the panel's own runner
  const int task = runner_->start([=](const TaskContext& ctx) {
    // The same tokens and windows (BOS included) as `depthscope-cli perplexity/prune-sweep
    // --text FILE --max-tokens N --ctx N`.
    const EvalSet set = session->evaluation_set(text_path, eval);
    LayerStatsOptions so;
    so.n_ctx = set.windows.n_ctx;
    RemovalOptions ro;
    ro.windows = set.windows;
    if (!choices_path.empty()) ro.choices = session->multiple_choice_set(choices_path);
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
    layer_statistics(session->model(), set.tokens, so, ctx.phase(0.0, 0.2, "statistics"),
                     [&](const LayerStats& s) { ctx.deliver([self, s] { self->apply_stats(s); }); });
    const LayerRemovalSweep sweep =
        layer_removal_sweep(session->model(), set.tokens, ro, ctx.phase(0.2, 0.55, "removal sweep"),
                            [&](const LayerRemovalEntry& e) { ctx.deliver([self, e] { self->apply_removal(e); }); });
    ctx.deliver([self, b = sweep.baseline] { self->apply_baseline(b); });
    greedy_pruning_curve(session->model(), set.tokens, ro, max_pruned, ctx.phase(0.55, 1.0, "greedy pruning"),
                         [&](const PruningStep& st) { ctx.deliver([self, st] { self->apply_pruning(st); }); });
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

void InspectPanel::apply_stats(const LayerStats& s) {
  const double l = static_cast<double>(s.layer);
  variance_graph_->addData(l, s.output_variance);
  if (std::isfinite(s.logit_lens_loss)) logit_graph_->addData(l, s.logit_lens_loss);
  // Entry k-1 is d(k, l+1): inputs of layer k and of layer l+1, so n = l + 1 - k.
  const bool last = angular_mode_box_->currentIndex() == 1;
  for (std::size_t i = 0; i < s.angular_to_output_token_mean.size(); ++i) {
    const int k = static_cast<int>(i) + 1;
    const int n = static_cast<int>(s.layer) + 1 - k;
    if (n < 1 || n > layers_ || k > static_cast<int>(angular_token_mean_.size())) continue;
    angular_token_mean_[k - 1][n - 1] = s.angular_to_output_token_mean[i];
    if (i < s.angular_to_output_last_token.size()) angular_last_token_[k - 1][n - 1] = s.angular_to_output_last_token[i];
    angular_map_->data()->setCell(k - 1, n - 1, (last ? angular_last_token_ : angular_token_mean_)[k - 1][n - 1]);
  }
}

void InspectPanel::show_angular_mode() {
  const auto& m = angular_mode_box_->currentIndex() == 1 ? angular_last_token_ : angular_token_mean_;
  for (std::size_t k = 0; k < m.size(); ++k)
    for (std::size_t n = 0; n < m[k].size(); ++n)
      angular_map_->data()->setCell(static_cast<int>(k), static_cast<int>(n), m[k][n]);
  angular_map_->rescaleDataRange(true);
  angular_chart_->replot(QCustomPlot::rpQueuedReplot);
}

void InspectPanel::apply_removal(const LayerRemovalEntry& e) {
  // Until the sweep returns its baseline, the one implied by the first entry (equal up to rounding).
  if (baseline_ppl_ == 0) apply_baseline(RemovalScore{0, e.score.ppl - e.delta_ppl});
  removal_->add(e);
  removal_metric_box_->setEnabled(removal_->has_accuracy());
}

void InspectPanel::set_choices_file(const QString& path) {
  choices_path_ = path.toStdString();
  choices_button_->setText(path.isEmpty() ? QString("Choices…") : QFileInfo(path).fileName());
  emit log(path.isEmpty() ? QString("Inspect: no multiple-choice set")
                          : QString("Inspect: multiple-choice set %1 (scored at the next Analyse)").arg(path));
}

void InspectPanel::set_removal_metric(int metric) { removal_metric_box_->setCurrentIndex(metric); }

QCPBars* InspectPanel::removal_bars() const { return removal_->bars(); }

void InspectPanel::apply_baseline(const RemovalScore& baseline) {
  baseline_ppl_ = baseline.ppl;
  removal_->set_baseline(baseline);  // and the subtitle
}

void InspectPanel::apply_pruning(const PruningStep& step) {
  QStringList removed;
  for (auto l : step.removed) removed << QString::number(l);
  pruned_layers_[static_cast<int>(step.removed_count)] = removed.isEmpty() ? QString() : " (" + removed.join(", ") + ")";
  pruning_graph_->addData(static_cast<double>(step.removed_count), step.score.ppl);
}

void InspectPanel::refit() {
  for (Chart* c : {variance_chart_, logit_chart_, removal_chart_, pruning_chart_}) c->fit_to_data();
  removal_->refit();
  removal_chart_->xAxis->setRange(0.5, layers_ + 0.5);
  pruning_chart_->xAxis->setRange(-0.5, std::max(prune_box_->value(), 1) + 0.5);
  angular_chart_->fit_to_data();
  apply_max_n();
}

void InspectPanel::apply_max_n() {
  angular_chart_->yAxis->setRange(0.5, std::min(max_n_box_->value(), std::max(1, layers_)) + 0.5);
  angular_chart_->replot(QCustomPlot::rpQueuedReplot);
}

void InspectPanel::set_running(bool on) {
  analyse_button_->setEnabled(!on && session_ != nullptr);
  cancel_button_->setEnabled(on);
  tokens_box_->setEnabled(!on);
  n_ctx_box_->setEnabled(!on);
  prune_box_->setEnabled(!on);
}

}  // namespace depthscope::ui
