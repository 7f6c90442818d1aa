#include "ui/tour/steps/live_training_step.h"

#include "ui/tour/steps/seed_spread.h"

#include <algorithm>
#include <string>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>
#include <QVBoxLayout>

#include "core/analysis/eval_set.h"
#include "core/store/run_records.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/tour/examples.h"
#include "ui/tour/tour_figures.h"
#include "ui/train/job_actions.h"
#include "ui/train/run_watcher.h"

namespace depthscope::ui {
namespace {

// The tour's live pair: 12 layers x 64, bytes, a short run of each scheme side by side, one
// tensor thread each, for two seeds (four runs: the spread between seeds is seen).
QString live_spec_json(int steps) {
  const bool small_text = QFileInfo::exists(QString::fromUtf8(kDefaultCorpus));
  const std::string text = small_text ? std::string("[\"") + kDefaultCorpus + "\"]" : "[]";
  return QString::fromStdString(
      std::string("{\n") +
      "  \"name\": \"tour-pair\",\n"
      "  \"model\": {\"layers\": 12, \"hidden\": 64, \"heads\": 2},\n"
      "  \"schemes\": [\"pre\", \"lns\"],\n"
      "  \"corpus\": {\"text\": " + text + ", \"tokenizer\": \"bytes\"},\n"
      "  \"steps\": " + std::to_string(steps) + ",\n"
      "  \"batch\": 8,\n  \"seq\": 64,\n  \"lr\": 0.002,\n  \"seeds\": [1, 2],\n"
      "  \"eval_every\": " + std::to_string(std::max(1, steps / 4)) + ",\n"
      "  \"eval_tokens\": 4096,\n"
      "  \"layer_metrics_every\": " + std::to_string(std::max(1, steps / 16)) + ",\n"
      "  \"checkpoint_every\": 0,\n  \"threads\": 1\n}\n");
}

constexpr int kStopWaitMs = 15000;

}  // namespace

LiveTrainingStep::LiveTrainingStep(QObject* parent)
    : TourStep(parent), actions_(new JobActions(this)), watcher_(new RunWatcher(this)) {
  cli_path_ = QDir(QCoreApplication::applicationDirPath()).filePath("depthscope-cli");
  actions_->set_parallel(2);  // both schemes at once
  watcher_->set_interval(300);
  connect(actions_, &JobActions::launched, this,
          [this](qint64, const QList<qint64>& runs, const QString&) { on_launched(runs); });
  connect(actions_, &JobActions::finished, this, &LiveTrainingStep::on_action);
  connect(watcher_, &RunWatcher::batch_ready, this, &LiveTrainingStep::on_batch);
  connect(watcher_, &RunWatcher::failed, this, [this](const QString& m) {
    if (live_) set_status("Could not read the run database: " + m);
  });
}

LiveTrainingStep::~LiveTrainingStep() {
  watcher_->set_database(QString());
  // The processes write into the temporary folder: stop them and wait before it goes.
  QList<qint64> runs;
  for (const auto& [run, scheme] : runs_) runs << run;
  if (live_ || actions_->pending() > 0) actions_->stop_and_wait(runs, kStopWaitMs);
}

QString LiveTrainingStep::text() const {
  return "Train a small Pre-LN and LNS pair yourself, twice (12 layers &times; 64, bytes; seeds 1 and 2, "
         "each seed the same initial weights and data for both schemes). Four <tt>depthscope-cli</tt> "
         "training processes, two at a time, write into a temporary run database while this page reads their "
         "metrics and draws them: the training loss (seed 2 dashed), and the residual-stream variance by layer "
         "at the latest step (seed 1). At the end the page says whether the difference between the schemes is "
         "larger than the spread between the seeds. It takes two to four minutes on two cores; leaving the "
         "tour stops it.";
}

QCPGraph* LiveTrainingStep::loss_graph(NormScheme s) const {
  auto it = loss_graphs_.find(s);
  return it == loss_graphs_.end() ? nullptr : it->second;
}

QWidget* LiveTrainingStep::make_figure() {
  auto* w = new QWidget;
  start_button_ = new QPushButton("Start training");
  start_button_->setObjectName("tour_live_start");
  start_button_->setToolTip("Start two depthscope-cli training processes (Pre-LN and LNS) in a temporary folder");
  stop_button_ = new QPushButton("Stop");
  stop_button_->setObjectName("tour_live_stop");
  stop_button_->setToolTip("Stop the tiny pair training live; the curves drawn so far stay");
  stop_button_->setEnabled(false);
  status_ = new QLabel("Press Start: nothing runs until you do.");
  status_->setTextFormat(Qt::RichText);
  status_->setStyleSheet(QString("color: %1").arg(hint_text_color().name()));
  auto* controls = new QHBoxLayout;
  controls->addWidget(start_button_);
  controls->addWidget(stop_button_);
  controls->addSpacing(10);
  controls->addWidget(status_, 1);

  loss_chart_ = track(new Chart("tour-live-loss"));
  variance_chart_ = track(new Chart("tour-live-variance"));
  loss_chart_->set_title("Training loss", "12 layers × 64 · bytes · batch 8 × 64 tokens");
  loss_chart_->set_axis_labels("step", "loss (nats per byte)");
  variance_chart_->set_title("Residual-stream variance by layer", "at the latest logged step of each run");
  variance_chart_->set_axis_labels("layer l", "Var(x_l+1)  (log scale)");
  variance_chart_->set_log_y(true);
  variance_chart_->set_integer_x();
  for (NormScheme s : kTourSchemes) {
    loss_graphs_[s] = loss_chart_->add_line_series(scheme_label(s) + " (seed 1)", scheme_color(s));
    loss_graphs_[s]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
    second_seed_graphs_[s] = loss_chart_->add_line_series(scheme_label(s) + " (seed 2)", scheme_color(s));
    second_seed_graphs_[s]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
    second_seed_graphs_[s]->setPen(QPen(scheme_color(s), 1.6, Qt::DashLine));
    variance_graphs_[s] = variance_chart_->add_line_series(scheme_label(s), scheme_color(s));
  }
  loss_chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  loss_chart_->set_message("Press Start training.");
  variance_chart_->set_message("Press Start training.");
  auto* charts = new QHBoxLayout;
  charts->addWidget(loss_chart_, 1);
  charts->addWidget(variance_chart_, 1);
  auto* layout = new QVBoxLayout(w);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addLayout(charts, 1);
  connect(start_button_, &QPushButton::clicked, this, &LiveTrainingStep::start_training);
  connect(stop_button_, &QPushButton::clicked, this, &LiveTrainingStep::stop_training);
  return w;
}

void LiveTrainingStep::set_scale(double scale) {
  TourStep::set_scale(scale);
  QFont f = status_->font();
  f.setPointSizeF(10 * scale);
  status_->setFont(f);
  for (QPushButton* b : {start_button_, stop_button_}) {
    QFont bf = b->font();
    bf.setPointSizeF(10.5 * scale);
    b->setFont(bf);
  }
}

void LiveTrainingStep::set_status(const QString& text) { status_->setText(text); }

void LiveTrainingStep::start_training() {
  if (live_) return;
  if (!QFileInfo(cli_path_).isExecutable()) {
    const QString m = QString("depthscope-cli was not found at %1").arg(cli_path_);
    set_status(m);
    emit failed(m);
    return;
  }
  auto dir = std::make_unique<QTemporaryDir>(QDir::temp().filePath("depthscope-tour-XXXXXX"));
  if (!dir->isValid()) {
    set_status("Could not create a temporary folder: " + dir->errorString());
    return;
  }
  db_ = dir->filePath("runs.sqlite");
  dirs_.push_back(std::move(dir));
  for (auto* m : {&loss_graphs_, &second_seed_graphs_, &variance_graphs_})
    for (auto& [s, g] : *m) g->data()->clear();
  runs_.clear();
  seed_of_.clear();
  variance_step_.clear();
  val_ppl_.clear();
  loss_chart_->set_message(QString());
  variance_chart_->set_message(QString());
  live_ = true;
  stop_requested_ = false;
  clock_.start();
  start_button_->setEnabled(false);
  stop_button_->setEnabled(true);
  set_status("Starting four training processes (two seeds), two at a time…");
  set_summary(QString());
  emit log("Tour: live training in " + db_);
  watcher_->set_database(QString());
  actions_->set_database(db_);
  actions_->set_cli_path(cli_path_);
  actions_->launch(live_spec_json(steps_), "tour-pair");
}

void LiveTrainingStep::on_launched(const QList<qint64>& runs) {
  if (actions_->database() != db_) return;
  // Seed-major: seed 1's Pre-LN and LNS, then seed 2's.
  for (int i = 0; i < runs.size() && i < 4; ++i) {
    runs_[runs[i]] = kTourSchemes[i % 2];
    seed_of_[runs[i]] = i / 2 + 1;
  }
  watcher_->set_database(db_);
  watcher_->watch(std::vector<std::int64_t>(runs.begin(), runs.end()));
  if (stop_requested_)
    for (qint64 run : runs) actions_->stop(run);
}

void LiveTrainingStep::on_action(const ActionResult& r) {
  if (r.ok || !live_) return;
  if (r.what.startsWith("Launch")) {  // nothing was queued: nothing to follow
    set_status("Could not train: " + r.message);
    ended(QString());
    emit failed(r.message);
  }
}

void LiveTrainingStep::on_batch(const WatchBatch& batch) {
  if (!live_) return;
  // Rows written after Stop or Restart (the step each process finishes) are not drawn.
  for (const store::MetricRow& row : batch.metrics) {
    if (stop_requested_) break;
    auto it = runs_.find(row.run_id);
    if (it == runs_.end()) continue;
    const bool first_seed = seed_of_[row.run_id] == 1;
    if (row.key == "train/loss")
      (first_seed ? loss_graphs_ : second_seed_graphs_).at(it->second)->addData(double(row.step), row.value);
    if (row.key == "val/ppl") val_ppl_[row.run_id] = row.value;
  }
  for (const store::LayerMetricRow& row : batch.layers) {
    if (stop_requested_) break;
    auto it = runs_.find(row.run_id);
    if (it == runs_.end() || row.key != "residual_variance" || seed_of_[row.run_id] != 1) continue;
    QCPGraph* g = variance_graphs_.at(it->second);
    std::int64_t& shown = variance_step_[row.run_id];
    if (row.step > shown) {
      g->data()->clear();
      shown = row.step;
    }
    if (row.step == shown) g->addData(row.layer, row.value);
  }
  QStringList status;
  bool all_done = !runs_.empty();
  for (const RunJob& r : batch.runs) {
    auto it = runs_.find(r.run.id);
    if (it == runs_.end()) continue;
    if (!store::is_terminal(r.run.status)) all_done = false;
    status << QString("%1 seed %2 %3 %4/%5")
                  .arg(scheme_label(it->second))
                  .arg(seed_of_[r.run.id])
                  .arg(QString::fromStdString(std::string(store::to_string(r.run.status))))
                  .arg(r.run.step).arg(r.run.steps);
    if (r.run.status == store::RunStatus::failed || r.run.status == store::RunStatus::diverged)
      status.back() += ": " + QString::fromStdString(r.run.error);
  }
  QString text = status.join(" · ");
  // The latest validation PPL of each run, per scheme in seed order.
  std::map<NormScheme, std::vector<double>> ppl_by_scheme;
  for (const auto& [run, scheme] : runs_)
    if (val_ppl_.count(run)) ppl_by_scheme[scheme].push_back(val_ppl_[run]);
  QStringList ppl;
  for (NormScheme s : kTourSchemes) {
    QStringList v;
    for (double x : ppl_by_scheme[s]) v << QString::number(x, 'f', 2);
    if (!v.isEmpty()) ppl << QString("%1 %2").arg(scheme_label(s), v.join(" / "));
  }
  if (!ppl.isEmpty()) text += " &nbsp;|&nbsp; validation PPL: " + ppl.join(", ");
  if (!text.isEmpty()) set_status(text);
  loss_chart_->fit_to_data();
  variance_chart_->fit_to_data();
  if (all_done) {
    if (!stop_requested_)
      set_summary(seed_spread_words(ppl_by_scheme[NormScheme::pre], ppl_by_scheme[NormScheme::lns]));
    ended(stop_requested_ ? "Stopped." : QString("Done in %1 s.").arg(clock_.elapsed() / 1000.0, 0, 'f', 0));
    emit finished();
  }
}

void LiveTrainingStep::ended(const QString& status) {
  live_ = false;
  watcher_->set_database(QString());
  start_button_->setEnabled(true);
  stop_button_->setEnabled(false);
  start_button_->setText("Start again");
  if (!status.isEmpty()) set_status(status);
}

void LiveTrainingStep::stop_training() {
  if (!live_) return;
  stop_requested_ = true;
  // Each process checkpoints after its step and marks its run stopped; the watcher sees it end.
  for (const auto& [run, scheme] : runs_) actions_->stop(run);
  set_status("Stopping…");
}

void LiveTrainingStep::clear() {
  TourStep::clear();
  for (auto* m : {&loss_graphs_, &second_seed_graphs_, &variance_graphs_})
    for (auto& [s, g] : *m) g->data()->clear();
  loss_chart_->set_message("Press Start training.");
  variance_chart_->set_message("Press Start training.");
  start_button_->setText("Start training");
  set_status("Press Start: nothing runs until you do.");
  for (Chart* c : charts()) c->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace depthscope::ui
