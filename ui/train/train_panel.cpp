#include "ui/train/train_panel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "core/model/config.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/train/run_watcher.h"
#include "ui/train/runs_model.h"
#include "ui/train/train_charts.h"
#include "ui/train/train_csv.h"
#include "ui/train/train_seed_bands.h"
#include "ui/train/smoothing.h"

namespace depthscope::ui {
namespace {

const std::string kLoss = "train/loss", kPpl = "val/ppl", kLr = "train/lr", kGrad = "train/grad_norm";
const char* kNoRuns = "No training runs yet.\nRun ▸ New experiment… (Ctrl+N)\nsets one up and starts it.";

QColor run_color(const std::string& scheme) {
  try {
    return scheme_color(parse_scheme_choice(scheme).scheme);  // "pre+gpas": Pre-LN's colour
  } catch (...) {
    return QColor(Qt::darkGray);
  }
}

QString run_label(const RunJob& job) { return scheme_word_label(job.run.scheme); }

QColor faint(QColor c) {
  c.setAlpha(70);
  return c;
}

void style_smooth(QCPGraph* g, const QColor& c) {
  g->setPen(QPen(c, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  g->setScatterStyle(QCPScatterStyle::ssNone);
  g->setLineStyle(QCPGraph::lsLine);
}

void style_raw(QCPGraph* g, const QColor& c) {
  g->setPen(QPen(faint(c), 1.0));
  g->setScatterStyle(QCPScatterStyle::ssNone);
  g->setLineStyle(QCPGraph::lsLine);
  g->removeFromLegend();
}

void set_points(QCPGraph* g, const std::vector<store::SeriesPoint>& pts) {
  QVector<double> k, v;
  k.reserve(static_cast<int>(pts.size()));
  v.reserve(static_cast<int>(pts.size()));
  for (const store::SeriesPoint& p : pts) {
    if (!std::isfinite(p.value)) continue;  // NaN / Inf: a gap, not a point
    k.push_back(static_cast<double>(p.step));
    v.push_back(p.value);
  }
  g->setData(k, v, true);
}

void set_points(QCPGraph* g, const std::vector<SmoothPoint>& pts) {
  QVector<double> k, v;
  k.reserve(static_cast<int>(pts.size()));
  v.reserve(static_cast<int>(pts.size()));
  for (const SmoothPoint& p : pts) {
    k.push_back(p.step);
    v.push_back(p.value);
  }
  g->setData(k, v, true);
}

}  // namespace

TrainPanel::TrainPanel(RunsModel* runs, RunWatcher* watcher, JobList* jobs, QWidget* parent)
    : QWidget(parent), runs_(runs), watcher_(watcher), jobs_(jobs) {
  // --- controls ---------------------------------------------------------------------
  experiment_box_ = new QComboBox;
  experiment_box_->setObjectName("train_experiment");
  experiment_box_->setMinimumContentsLength(28);
  experiment_box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  experiment_box_->setToolTip("The experiment whose runs are overlaid (one run per scheme)");
  new_button_ = new QPushButton("New experiment…");
  new_button_->setObjectName("train_new");
  new_button_->setToolTip("Set up a training experiment and queue it (Ctrl+N)");
  stop_button_ = new QPushButton("Stop");
  stop_button_->setObjectName("train_stop");
  stop_button_->setToolTip("Stop this experiment's queued and running runs (each checkpoints after its step)");
  resume_button_ = new QPushButton("Resume");
  resume_button_->setObjectName("train_resume");
  resume_button_->setToolTip("Queue this experiment's stopped and failed runs again, from their last checkpoints");
  status_label_ = new QLabel;
  status_label_->setObjectName("train_status");
  status_label_->setTextFormat(Qt::RichText);
  status_label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

  smoothing_slider_ = new QSlider(Qt::Horizontal);
  smoothing_slider_->setObjectName("train_smoothing");
  smoothing_slider_->setRange(0, 999);
  smoothing_slider_->setValue(static_cast<int>(smoothing_ * 1000));
  smoothing_slider_->setMaximumWidth(180);
  smoothing_slider_->setToolTip("Smoothing w as in TensorBoard: debiased EMA, last = last·w + (1−w)·x, shown = last/(1−wⁿ); "
                                "the raw curve stays faint behind. 0: raw.");
  smoothing_label_ = new QLabel;
  smoothing_label_->setMinimumWidth(36);
  heatmap_box_ = new QComboBox;
  heatmap_box_->setObjectName("train_heatmap_run");
  heatmap_box_->setToolTip("The run whose residual variance the heatmap shows");
  heatmap_box_->setMinimumContentsLength(12);
  heatmap_box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  step_slider_ = new QSlider(Qt::Horizontal);
  step_slider_->setObjectName("train_layer_step");
  step_slider_->setRange(0, 0);
  step_slider_->setMaximumWidth(220);
  step_slider_->setToolTip("The step of the variance-by-layer curves (the sampled steps; at the right end it follows the newest)");
  step_label_ = new QLabel;
  step_label_->setMinimumWidth(70);
  log_box_ = new QCheckBox("log σ²");
  log_box_->setChecked(true);
  log_box_->setToolTip("Logarithmic variance axis: exponential growth with depth shows as a straight line");

  auto* row1 = new QHBoxLayout;
  row1->addWidget(new QLabel("Experiment"));
  row1->addWidget(experiment_box_);
  row1->addWidget(new_button_);
  row1->addWidget(stop_button_);
  row1->addWidget(resume_button_);
  row1->addSpacing(10);
  row1->addWidget(status_label_, 1);
  auto* row2 = new QHBoxLayout;
  row2->addWidget(new QLabel("Smoothing"));
  row2->addWidget(smoothing_slider_);
  row2->addWidget(smoothing_label_);
  row2->addSpacing(16);
  row2->addWidget(new QLabel("Heatmap run"));
  row2->addWidget(heatmap_box_);
  row2->addSpacing(16);
  row2->addWidget(new QLabel("Variance at step"));
  row2->addWidget(step_slider_);
  row2->addWidget(step_label_);
  row2->addWidget(log_box_);
  row2->addStretch(1);

  // --- charts (train_charts.h) -----------------------------------------------------
  charts_ = new TrainCharts(this);
  charts_->loss->set_csv_provider([this] { return series_csv(experiment_runs(), data_, kLoss, smoothing_); });
  charts_->ppl->set_csv_provider([this] { return series_csv(experiment_runs(), data_, kPpl, smoothing_); });
  charts_->lr->set_csv_provider([this] { return series_csv(experiment_runs(), data_, kLr, std::nullopt); });
  charts_->grad->set_csv_provider([this] { return series_csv(experiment_runs(), data_, kGrad, smoothing_); });
  charts_->heatmap_chart->set_csv_provider([this] { return heatmap_csv(heatmap_run(), data_); });
  charts_->variance->set_csv_provider([this] { return variance_csv(experiment_runs(), data_, layer_step()); });

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->addLayout(row1);
  layout->addLayout(row2);
  layout->addLayout(charts_->make_grid(), 1);

  replot_timer_.setSingleShot(true);
  replot_timer_.setInterval(40);
  connect(&replot_timer_, &QTimer::timeout, this, &TrainPanel::replot);
  bands_ = new TrainSeedBands(charts_, this);
  connect(bands_, &TrainSeedBands::toggled, this, &TrainPanel::schedule_replot);

  connect(runs_, &RunsModel::batch_applied, this, &TrainPanel::on_batch);
  connect(new_button_, &QPushButton::clicked, jobs_, &JobList::request_new_experiment);
  connect(stop_button_, &QPushButton::clicked, this, &TrainPanel::stop_experiment);
  connect(resume_button_, &QPushButton::clicked, this, &TrainPanel::resume_experiment);
  connect(experiment_box_, &QComboBox::activated, this, [this](int i) {
    user_chose_experiment_ = true;
    show_experiment(experiment_box_->itemData(i).toLongLong());
  });
  connect(smoothing_slider_, &QSlider::valueChanged, this, [this](int v) {
    smoothing_ = v / 1000.0;
    smoothing_label_->setText(QString::number(smoothing_, 'f', 3));
    schedule_replot();
  });
  connect(heatmap_box_, &QComboBox::currentIndexChanged, this, [this] {
    charts_->draw_heatmap(series_of(heatmap_run()));
    charts_->heatmap_chart->replot(QCustomPlot::rpQueuedReplot);
  });
  connect(step_slider_, &QSlider::valueChanged, this, [this](int v) {
    follow_latest_step_ = v == step_slider_->maximum();
    update_variance();
    charts_->variance->replot(QCustomPlot::rpQueuedReplot);
  });
  connect(log_box_, &QCheckBox::toggled, this, [this](bool on) {
    charts_->variance->set_log_y(on);
    update_variance();
  });
  smoothing_label_->setText(QString::number(smoothing_, 'f', 3));
  update_empty_messages();
  update_status();
}

// --- data in ------------------------------------------------------------------------------

void TrainPanel::on_batch(const WatchBatch& batch) {
  ++batches_;
  // The list itself is the RunsModel's, already current (batch_applied comes after apply).
  const bool runs_changed = runs_->last_apply_changed();
  const std::vector<store::Experiment>& experiments = runs_->experiments();
  // Runs deleted from the database: forget their data.
  for (auto it = data_.begin(); it != data_.end();) it = runs_->find(it->first) ? std::next(it) : data_.erase(it);

  const std::vector<std::int64_t> shown = shown_runs();
  const std::set<std::int64_t> shown_set(shown.begin(), shown.end());
  bool shown_changed = false;
  for (const store::MetricRow& m : batch.metrics) {
    data_[m.run_id].add(m);
    shown_changed |= shown_set.count(m.run_id) > 0;
  }
  for (const store::LayerMetricRow& m : batch.layers) {
    data_[m.run_id].add(m);
    shown_changed |= shown_set.count(m.run_id) > 0;
  }

  if (runs_changed || batches_ == 1) rebuild_experiment_box();
  if (batches_ == 1) update_empty_messages();
  if (pending_show_ != 0 && std::any_of(experiments.begin(), experiments.end(),
                                        [this](const store::Experiment& e) { return e.id == pending_show_; })) {
    const std::int64_t e = pending_show_;
    pending_show_ = 0;
    show_experiment(e);
    return;
  }
  // Nothing chosen yet (or the chosen experiment is gone): the remembered one, else the newest.
  const bool exists = std::any_of(experiments.begin(), experiments.end(),
                                  [this](const store::Experiment& e) { return e.id == experiment_; });
  if (!exists && !experiments.empty()) {
    const std::int64_t remembered = QSettings().value("train/experiment", 0).toLongLong();
    std::int64_t pick = experiments.back().id;
    for (const store::Experiment& e : experiments)
      if (e.id == remembered) pick = remembered;
    show_experiment(pick);
    return;
  }
  if (!exists && experiment_ != 0) {
    show_experiment(0);
    return;
  }
  // New runs of the shown experiment (resumed rows, or a listing that was late).
  if (graphs_.size() != shown.size()) {
    rebuild_graphs();
    return;
  }
  if (runs_changed) update_status();
  if (shown_changed || runs_changed) schedule_replot();
}

void TrainPanel::rebuild_experiment_box() {
  const QSignalBlocker block(experiment_box_);
  experiment_box_->clear();
  const std::vector<store::Experiment>& experiments = runs_->experiments();
  for (auto it = experiments.rbegin(); it != experiments.rend(); ++it) {
    int n = 0, running = 0;
    for (const RunJob& r : runs_->runs())
      if (r.run.experiment_id == it->id) {
        ++n;
        running += r.run.status == store::RunStatus::running;
      }
    experiment_box_->addItem(QString("#%1  %2  (%3 run%4%5)").arg(it->id).arg(QString::fromStdString(it->name)).arg(n)
                                 .arg(n == 1 ? "" : "s").arg(running ? QString(", %1 running").arg(running) : QString()),
                             QVariant::fromValue<qint64>(it->id));
  }
  if (experiments.empty()) experiment_box_->addItem("no experiments yet", QVariant::fromValue<qint64>(0));
  const int i = experiment_box_->findData(QVariant::fromValue<qint64>(experiment_));
  if (i >= 0) experiment_box_->setCurrentIndex(i);
}

std::vector<const RunJob*> TrainPanel::experiment_runs() const {
  std::vector<const RunJob*> out;
  if (experiment_ == 0) return out;
  for (const RunJob& r : runs_->runs())
    if (r.run.experiment_id == experiment_) out.push_back(&r);
  return out;
}

std::vector<std::int64_t> TrainPanel::shown_runs() const {
  std::vector<std::int64_t> out;
  for (const RunJob* r : experiment_runs()) out.push_back(r->run.id);
  return out;
}

void TrainPanel::show_experiment(std::int64_t experiment) {
  const bool changed = experiment != experiment_;
  experiment_ = experiment;
  if (experiment_ > 0) QSettings().setValue("train/experiment", QVariant::fromValue<qint64>(experiment_));
  const int i = experiment_box_->findData(QVariant::fromValue<qint64>(experiment_));
  if (i >= 0) {
    const QSignalBlocker block(experiment_box_);
    experiment_box_->setCurrentIndex(i);
  }
  if (changed) follow_latest_step_ = true;
  for (Chart* c : charts_->all()) c->set_source(experiment_box_->currentText());
  rebuild_graphs();
  if (changed) emit experiment_changed(experiment_);
}

void TrainPanel::show_run(std::int64_t run) {
  const RunJob* job = runs_->find(run);
  if (!job) return;
  user_chose_experiment_ = true;
  if (job->run.experiment_id) show_experiment(*job->run.experiment_id);
  const int i = heatmap_box_->findData(QVariant::fromValue<qint64>(run));
  if (i >= 0) heatmap_box_->setCurrentIndex(i);
}

void TrainPanel::show_experiment_when_listed(std::int64_t experiment) {
  const std::vector<store::Experiment>& experiments = runs_->experiments();
  if (std::any_of(experiments.begin(), experiments.end(), [&](const store::Experiment& e) { return e.id == experiment; })) {
    show_experiment(experiment);
    return;
  }
  pending_show_ = experiment;
  watcher_->poll_now();
}

std::int64_t TrainPanel::heatmap_run() const { return heatmap_box_->currentData().toLongLong(); }

void TrainPanel::rebuild_graphs() {
  const std::vector<const RunJob*> runs = experiment_runs();
  std::vector<std::int64_t> ids;
  for (const RunJob* r : runs) ids.push_back(r->run.id);
  watcher_->watch(ids);

  for (Chart* c : {charts_->loss, charts_->ppl, charts_->lr, charts_->grad, charts_->variance}) c->clearGraphs();
  graphs_.clear();
  const std::int64_t heat_run = heatmap_run();
  {
    const QSignalBlocker block(heatmap_box_);
    heatmap_box_->clear();
    for (const RunJob* r : runs)
      heatmap_box_->addItem(QString("#%1 %2").arg(r->run.id).arg(run_label(*r)), QVariant::fromValue<qint64>(r->run.id));
    const int i = heatmap_box_->findData(QVariant::fromValue<qint64>(heat_run));
    // Default: the first run (Pre-LN in the default pair), where the variance grows most.
    heatmap_box_->setCurrentIndex(i >= 0 ? i : 0);
  }
  for (const RunJob* r : runs) {
    Graphs g;
    g.color = run_color(r->run.scheme);
    g.label = run_label(*r);
    for (auto [chart, key, smooth] : {std::tuple<Chart*, std::string, bool>{charts_->loss, kLoss, true},
                                      {charts_->ppl, kPpl, true}, {charts_->grad, kGrad, true}, {charts_->lr, kLr, false}}) {
      QCPGraph* raw = chart->addGraph();
      raw->setName(g.label + " (raw)");
      if (smooth) {
        style_raw(raw, g.color);
        g.raw[key] = raw;
        QCPGraph* s = chart->addGraph();
        s->setName(g.label);
        style_smooth(s, g.color);
        g.smooth[key] = s;
      } else {
        style_smooth(raw, g.color);
        raw->setName(g.label);
        g.raw[key] = raw;
      }
    }
    g.variance = charts_->variance->add_line_series(g.label, g.color);
    graphs_[r->run.id] = g;
  }
  update_status();
  update_empty_messages();
  schedule_replot();
}

// --- drawing ------------------------------------------------------------------------------

void TrainPanel::schedule_replot() {
  if (!replot_timer_.isActive()) replot_timer_.start();
}

void TrainPanel::replot() {
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& [run, g] : graphs_) {
    auto it = data_.find(run);
    static const RunSeries empty;
    const RunSeries& d = it == data_.end() ? empty : it->second;
    for (auto& [key, graph] : g.raw) {
      const auto* s = d.series(key);
      set_points(graph, s ? *s : std::vector<store::SeriesPoint>{});
    }
    for (auto& [key, graph] : g.smooth) {
      const auto* s = d.series(key);
      set_points(graph, debiased_ema(s ? *s : std::vector<store::SeriesPoint>{}, smoothing_));
    }
  }
  // The sampled steps of the shown runs, for the step slider.
  std::set<std::int64_t> steps;
  for (const auto& [run, g] : graphs_) {
    auto it = data_.find(run);
    if (it == data_.end()) continue;
    for (const auto& [step, v] : it->second.residual) steps.insert(step);
  }
  layer_steps_.assign(steps.begin(), steps.end());
  {
    const QSignalBlocker block(step_slider_);
    step_slider_->setRange(0, std::max(0, static_cast<int>(layer_steps_.size()) - 1));
    if (follow_latest_step_) step_slider_->setValue(step_slider_->maximum());
  }
  charts_->draw_heatmap(series_of(heatmap_run()));
  update_variance();
  // Runs of one scheme in the experiment are its seeds: one band each (train_seed_bands.h).
  std::map<QString, std::vector<TrainSeedBands::RunCurves>> seeds;
  for (auto& [run, g] : graphs_)
    seeds[g.label].push_back({g.color, {{charts_->loss, g.smooth[kLoss]}, {charts_->ppl, g.smooth[kPpl]},
                                        {charts_->grad, g.smooth[kGrad]}, {charts_->variance, g.variance}},
                              {g.raw[kLoss], g.raw[kPpl], g.raw[kGrad]}, g.raw[kLr]});
  bands_->draw(seeds);
  update_empty_messages();
  charts_->fit();
  ++replot_stats_.count;
  replot_stats_.worst_ms = std::max(replot_stats_.worst_ms,
                                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  emit replotted();
}

std::int64_t TrainPanel::layer_step() const {
  if (layer_steps_.empty()) return -1;
  const int i = std::clamp(step_slider_->value(), 0, static_cast<int>(layer_steps_.size()) - 1);
  return layer_steps_[i];
}

void TrainPanel::set_layer_step_index(int index) { step_slider_->setValue(index); }

void TrainPanel::update_variance() {
  const std::int64_t step = layer_step();
  step_label_->setText(step >= 0 ? QString("step %1").arg(step) : QString("—"));
  for (auto& [run, g] : graphs_) {
    auto it = data_.find(run);
    const std::vector<double>* v = (it == data_.end() || step < 0) ? nullptr : it->second.residual_at(step);
    QVector<double> k, y;
    if (v) {
      for (int l = 0; l < static_cast<int>(v->size()); ++l) {
        if (!std::isfinite((*v)[l])) continue;
        k.push_back(l + 1);
        y.push_back((*v)[l]);
      }
    }
    g.variance->setData(k, y, true);
  }
  charts_->variance->set_title("Variance by layer",
                             step >= 0 ? QString("residual stream leaving layer l at step %1").arg(step)
                                       : QString("residual stream leaving layer l at the chosen step"));
}

void TrainPanel::update_empty_messages() {
  if (runs_->runs().empty()) {
    for (Chart* c : charts_->all())
      c->set_message(batches_ == 0 ? QString("Reading the run database…") : QString(kNoRuns));
    return;
  }
  if (experiment_ == 0) {
    for (Chart* c : charts_->all())
      c->set_message("Choose an experiment above, or start one with Ctrl+N.");
    return;
  }
  const auto any_points = [this](const std::string& key) {
    for (const auto& [run, g] : graphs_) {
      auto it = data_.find(run);
      if (it != data_.end() && it->second.points(key) > 0) return true;
    }
    return false;
  };
  bool any_layers = false;
  for (const auto& [run, g] : graphs_) {
    auto it = data_.find(run);
    any_layers |= it != data_.end() && !it->second.residual.empty();
  }
  const QString waiting = "Waiting for the first steps…\n(queued runs start when the job worker reaches them)";
  charts_->loss->set_message(any_points(kLoss) ? QString() : waiting);
  charts_->lr->set_message(any_points(kLr) ? QString() : waiting);
  charts_->grad->set_message(any_points(kGrad) ? QString() : waiting);
  charts_->ppl->set_message(any_points(kPpl) ? QString() : QString("Validation runs every eval_every steps\n(10 times per run by default)."));
  const std::int64_t heat = heatmap_run();
  const bool heat_data = data_.count(heat) && !data_.at(heat).residual.empty();
  charts_->heatmap_chart->set_message(heat_data ? QString() : QString("Layer metrics come at step 1\nand every layer_metrics_every steps."));
  charts_->variance->set_message(any_layers ? QString() : QString("Layer metrics come at step 1\nand every layer_metrics_every steps."));
}

void TrainPanel::update_status() {
  // One entry per scheme: its runs (seeds) counted by status, so six runs still fit the row.
  std::vector<QString> schemes;
  std::map<QString, std::vector<const RunJob*>> by_scheme;
  for (const RunJob* r : experiment_runs()) {
    const QString label = run_label(*r);
    if (!by_scheme.count(label)) schemes.push_back(label);
    by_scheme[label].push_back(r);
  }
  QStringList parts;
  for (const QString& label : schemes) {
    const std::vector<const RunJob*>& runs = by_scheme[label];
    const RunJob* shown = runs.front();  // the dot: a running seed's colour, else the first's
    std::vector<QString> order;
    std::map<QString, int> count;
    for (const RunJob* r : runs) {
      if (r->run.status == store::RunStatus::running && shown->run.status != store::RunStatus::running) shown = r;
      QString s = run_status_text(*r);
      if (r->run.status == store::RunStatus::running) s += QString(" %1/%2").arg(r->run.step).arg(r->run.steps);
      if (!count.count(s)) order.push_back(s);
      ++count[s];
    }
    QStringList states;
    for (const QString& s : order) states << (count[s] > 1 ? QString("%1 %2").arg(count[s]).arg(s) : s);
    parts << QString("<span style='color:%1'>●</span> %2%3 %4")
                 .arg(run_status_color(shown->run.status).name(), label,
                      runs.size() > 1 ? QString(" ×%1:").arg(runs.size()) : QString(), states.join(", ").toHtmlEscaped());
  }
  status_label_->setText(parts.join(" &nbsp; "));
  bool stoppable = false, resumable = false;
  for (const RunJob* r : experiment_runs()) {
    stoppable |= r->run.status == store::RunStatus::running || r->run.status == store::RunStatus::queued;
    resumable |= r->run.status == store::RunStatus::stopped || r->run.status == store::RunStatus::failed;
  }
  stop_button_->setEnabled(stoppable);
  resume_button_->setEnabled(resumable);
}

QString TrainPanel::status_text() const { return status_label_->text(); }

void TrainPanel::set_smoothing(double w) { smoothing_slider_->setValue(static_cast<int>(std::lround(std::clamp(w, 0.0, 0.999) * 1000))); }

void TrainPanel::stop_experiment() {
  for (const RunJob* r : experiment_runs())
    if (r->run.status == store::RunStatus::running || r->run.status == store::RunStatus::queued) jobs_->request_stop(r->run.id);
}

void TrainPanel::resume_experiment() {
  for (const RunJob* r : experiment_runs())
    if (r->run.status == store::RunStatus::stopped || r->run.status == store::RunStatus::failed) jobs_->request_resume(r->run.id);
}

// --- for tests and export ----------------------------------------------------------------


int TrainPanel::points(std::int64_t run, const std::string& key) const {
  auto it = data_.find(run);
  return it == data_.end() ? 0 : static_cast<int>(it->second.points(key));
}

QCPGraph* TrainPanel::graph(std::int64_t run, const std::string& key, bool smoothed) const {
  auto it = graphs_.find(run);
  if (it == graphs_.end()) return nullptr;
  const auto& graphs = smoothed ? it->second.smooth : it->second.raw;
  auto g = graphs.find(key);
  return g == graphs.end() ? nullptr : g->second;
}

const RunSeries* TrainPanel::series_of(std::int64_t run) const {
  auto it = data_.find(run);
  return it == data_.end() ? nullptr : &it->second;
}

}  // namespace depthscope::ui
