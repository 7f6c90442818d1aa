#include "ui/train/run_watcher.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include "core/jobs/job_options.h"
#include "core/store/metric_reader.h"
#include "core/store/run_db.h"
#include "ui/shared/background_task.h"

namespace depthscope::ui {

struct RunWatcher::State {
  std::string path;
  std::unique_ptr<store::RunDb> db;
  std::map<std::int64_t, std::int64_t> metric_cursor, layer_cursor;
  std::int64_t event_cursor = -1;  // -1: skip the history on the first poll
};

namespace {

constexpr int kMaxBatchesPerPoll = 5;  // 5 x 100000 rows; the rest comes with the next poll

// A running run's step, speed and ETA from its newest metric rows. The runs table's step is
// written by the run's heartbeat every 2 s and the metrics at every step, so the newest metric
// step is the one the charts show: the Jobs dock says the same.
void read_live_progress(store::RunDb& db, RunJob& job) {
  if (job.run.status != store::RunStatus::running) return;
  double tps = -1, tokens = -1;
  std::int64_t tokens_step = 0, newest = 0;
  for (const store::MetricRow& m : store::last_values(db, job.run.id)) {
    newest = std::max(newest, m.step);
    if (m.key == "train/tokens_per_s") tps = m.value;
    if (m.key == "train/tokens") {
      tokens = m.value;
      tokens_step = m.step;
    }
  }
  job.run.step = std::max(job.run.step, job.run.steps > 0 ? std::min(newest, job.run.steps) : newest);
  if (std::isfinite(tps) && tps > 0) job.tokens_per_s = tps;
  if (job.tokens_per_s > 0 && tokens > 0 && tokens_step > 0 && job.run.steps > job.run.step)
    job.eta_s = double(job.run.steps - job.run.step) * (tokens / double(tokens_step)) / job.tokens_per_s;
}

}  // namespace

RunWatcher::RunWatcher(QObject* parent)
    : QObject(parent), state_(std::make_shared<State>()), runner_(new TaskRunner(this)) {
  timer_.setInterval(500);
  connect(&timer_, &QTimer::timeout, this, &RunWatcher::poll);
  connect(runner_, &TaskRunner::finished, this, [this](int, bool, double) {
    if (again_) {
      again_ = false;
      poll();
    }
  });
  connect(runner_, &TaskRunner::failed, this, [this](int, const QString& message) {
    if (message != last_error_) {
      last_error_ = message;
      emit failed(message);
    }
    if (again_) {
      again_ = false;
      poll();
    }
  });
}

RunWatcher::~RunWatcher() = default;

void RunWatcher::set_database(const QString& path) {
  runner_->abandon();
  path_ = path;
  watched_.clear();
  last_error_.clear();
  again_ = false;
  if (path_.isEmpty()) {
    timer_.stop();
    return;
  }
  timer_.start();
  poll();
}

void RunWatcher::set_interval(int ms) { timer_.setInterval(ms); }

void RunWatcher::watch(const std::vector<std::int64_t>& runs) {
  bool added = false;
  for (std::int64_t r : runs) added |= watched_.insert(r).second;
  if (added) poll_now();
}

void RunWatcher::poll_now() {
  if (runner_->running()) again_ = true;
  else poll();
}

void RunWatcher::poll() {
  if (path_.isEmpty() || runner_->running()) return;
  const std::string path = path_.toStdString();
  const std::vector<std::int64_t> watched(watched_.begin(), watched_.end());
  auto state = state_;
  runner_->start([this, state, path, watched](const TaskContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!state->db || state->path != path) {
      state->db.reset();
      state->metric_cursor.clear();
      state->layer_cursor.clear();
      state->event_cursor = -1;
      state->path = path;
      state->db = std::make_unique<store::RunDb>(path, jobs::store_options_from_env());
    }
    store::RunDb& db = *state->db;
    auto batch = std::make_shared<WatchBatch>();
    batch->experiments = db.list_experiments();
    std::map<std::int64_t, QString> experiment_names;
    for (const store::Experiment& e : batch->experiments) experiment_names[e.id] = QString::fromStdString(e.name);
    for (store::RunRecord& r : db.list_runs()) {
      RunJob job;
      job.run = std::move(r);
      if (job.run.experiment_id) job.experiment = experiment_names[*job.run.experiment_id];
      read_live_progress(db, job);
      batch->runs.push_back(std::move(job));
    }
    for (std::int64_t run : watched) {
      if (ctx.cancelled()) return;
      for (int i = 0; i < kMaxBatchesPerPoll; ++i) {
        auto rows = store::metrics_since(db, run, state->metric_cursor[run]);
        state->metric_cursor[run] = rows.cursor;
        batch->metrics.insert(batch->metrics.end(), std::make_move_iterator(rows.rows.begin()),
                              std::make_move_iterator(rows.rows.end()));
        if (!rows.more) break;
      }
      for (int i = 0; i < kMaxBatchesPerPoll; ++i) {
        auto rows = store::layer_metrics_since(db, run, state->layer_cursor[run]);
        state->layer_cursor[run] = rows.cursor;
        batch->layers.insert(batch->layers.end(), std::make_move_iterator(rows.rows.begin()),
                             std::make_move_iterator(rows.rows.end()));
        if (!rows.more) break;
      }
    }
    // The log: only what happens from now on (the history is in `runs show`).
    for (int i = 0; i < kMaxBatchesPerPoll; ++i) {
      auto rows = store::events_since(db, std::nullopt, std::max<std::int64_t>(0, state->event_cursor));
      const bool first = state->event_cursor < 0;
      state->event_cursor = rows.cursor;
      if (!first) batch->events.insert(batch->events.end(), rows.rows.begin(), rows.rows.end());
      if (!rows.more) break;
    }
    batch->query_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ctx.deliver([this, batch] {
      ++polls_;
      worst_query_ms_ = std::max(worst_query_ms_, batch->query_ms);
      if (!last_error_.isEmpty()) last_error_.clear();
      emit batch_ready(*batch);
    });
  });
}

}  // namespace depthscope::ui
