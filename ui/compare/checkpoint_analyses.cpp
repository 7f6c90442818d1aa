#include "ui/compare/checkpoint_analyses.h"

#include <algorithm>
#include <limits>

#include "core/analysis/eval_set.h"
#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"
#include "core/model/config.h"
#include "core/runtime/progress.h"
#include "core/session/model_session.h"
#include "ui/compare/compare_item.h"
#include "ui/shared/background_task.h"
#include "ui/shared/job_list.h"

namespace depthscope::ui {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

CheckpointAnalyses::CheckpointAnalyses(JobList* jobs, QObject* parent) : QObject(parent), jobs_(jobs) {}

CheckpointAnalyses::~CheckpointAnalyses() {
  for (auto& [item, job] : running_) job.runner->abandon();
  // Runners are children: their destructors wait for their threads.
}

bool CheckpointAnalyses::busy() const {
  for (const auto& [item, job] : running_)
    if (job.runner->running()) return true;
  return false;
}

void CheckpointAnalyses::stop(CompareItem* item) {
  auto it = running_.find(item);
  if (it == running_.end()) return;
  if (it->second.runner->running() && jobs_) jobs_->end(it->second.job, "cancelled");
  it->second.runner->abandon();
  delete it->second.runner;  // waits for its thread; nothing it sent is drawn
  running_.erase(it);
}

void CheckpointAnalyses::start(CompareItem* item, const AnalysisSettings& settings) {
  stop(item);
  auto* runner = new TaskRunner(this);
  connect(runner, &TaskRunner::updated, this, [this, item] { emit updated(item); });
  connect(runner, &TaskRunner::progress, this, [this, item](int, double f, double eta, const QString& stage) {
    item->progress = f;
    item->status = QString("analysing %1%").arg(int(f * 100));
    if (jobs_) jobs_->progress(running_[item].job, f, eta, stage);
    emit progress(item, stage, eta);
  });
  connect(runner, &TaskRunner::finished, this, [this, item](int, bool cancelled, double seconds) {
    item->status = cancelled ? "cancelled" : "analysed";
    item->progress = 1;
    if (jobs_) jobs_->end(running_[item].job, cancelled ? "cancelled" : "finished");
    emit log(QString("Compare: %1 %2 in %3 s").arg(item->label, item->status).arg(seconds, 0, 'f', 2));
    emit ended(item);
  });
  const ComputeDevice device = settings.device;
  connect(runner, &TaskRunner::failed, this, [this, item, device](int, const QString& message) {
    item->status = "failed";
    item->error = message;
    item->progress = 1;
    if (jobs_) jobs_->end(running_[item].job, "failed: " + message);
    emit log(QString("Compare: could not analyse %1: %2").arg(item->path, message));
    emit ended(item);
    if (device.is_cuda() && !device_unavailable_reason(device).empty()) emit device_refused(item, message);
  });

  const std::string path = item->path.toStdString();
  const std::string text = settings.text.toStdString();
  const std::string choices = settings.choices.toStdString();
  const std::int64_t tokens = settings.tokens, n_ctx = settings.n_ctx;
  CheckpointAnalyses* self = this;  // closures run on the GUI thread, from this item's runner
  item->status = "loading";
  const int task = runner->start([=](const TaskContext& ctx) {
    const auto session = ModelSession::open(path, ctx.phase(0.0, 0.1, "loading"), device);
    const ModelConfig config = session->config();
    const int L = static_cast<int>(config.num_layers);
    ctx.deliver([self, item, L, scheme = config.norm_scheme, gpas = config.gpas] {
      item->layers = L;
      item->scheme = scheme;
      item->gpas = gpas;
      item->variance.assign(L, kNaN);
      item->removal.assign(L, kNaN);
      item->removal_entries.clear();
      item->angular.assign(L, std::vector<double>(L, kNaN));
      emit self->layers_known(item);
    });
    // The same evaluation set and analyses as the Inspect tab (and the CLI).
    EvalSetOptions eval;
    eval.max_tokens = tokens;
    eval.n_ctx = std::min<std::int64_t>(n_ctx, config.max_position);
    const EvalSet set = session->evaluation_set(text, eval);
    LayerStatsOptions so;
    so.n_ctx = set.windows.n_ctx;
    so.logit_lens = false;
    RemovalOptions ro;
    ro.windows = set.windows;
    if (!choices.empty()) ro.choices = session->multiple_choice_set(choices);
    check_removal_memory(config, static_cast<std::int64_t>(set.tokens.size()), ro, /*greedy=*/false);
    layer_statistics(session->model(), set.tokens, so, ctx.phase(0.1, 0.4, "statistics"), [&](const LayerStats& s) {
      ctx.deliver([item, s] {
        const int l = static_cast<int>(s.layer);
        if (l < 1 || l > item->layers) return;
        item->variance[l - 1] = s.output_variance;
        // Entry k-1 is d(k, l+1): n = l + 1 - k.
        for (std::size_t i = 0; i < s.angular_to_output_token_mean.size(); ++i) {
          const int k = static_cast<int>(i) + 1;
          const int n = l + 1 - k;
          if (n >= 1 && n <= item->layers && k <= item->layers) item->angular[k - 1][n - 1] = s.angular_to_output_token_mean[i];
        }
      });
    });
    const LayerRemovalSweep sweep = layer_removal_sweep(
        session->model(), set.tokens, ro, ctx.phase(0.4, 1.0, "removal sweep"), [&](const LayerRemovalEntry& e) {
          ctx.deliver([item, e] {
            if (item->baseline_ppl == 0) item->baseline_ppl = e.score.ppl - e.delta_ppl;
            if (e.layer >= 1 && e.layer <= item->layers) item->removal[e.layer - 1] = e.delta_ppl;
            item->removal_entries.push_back(e);
          });
        });
    ctx.deliver([item, b = sweep.baseline.ppl, n = set.tokens.size()] {
      item->baseline_ppl = b;
      item->ppl_source = QString("eval text, %1 tokens").arg(n);
    });
  });
  Job job;
  job.runner = runner;
  if (jobs_) job.job = jobs_->start(QString("Compare: analyse %1").arg(item->label), [runner, task] { runner->cancel(task); });
  running_[item] = job;
}

}  // namespace depthscope::ui
