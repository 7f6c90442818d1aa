#include "ui/tour/example_statistics.h"

#include <map>
#include <string>

#include <QStringList>

#include "core/analysis/eval_set.h"
#include "core/analysis/layer_stats.h"
#include "core/session/model_session.h"
#include "ui/shared/background_task.h"
#include "ui/shared/palette.h"
#include "ui/tour/examples.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {
namespace {
// Tokens of the evaluation text, and its window.
constexpr std::int64_t kStatsTokens = 4096;
constexpr std::int64_t kEvalContext = 128;
}  // namespace

ExampleStatistics::ExampleStatistics(QObject* parent) : QObject(parent), runner_(new TaskRunner(this)) {
  connect(runner_, &TaskRunner::updated, this, [this](int) { emit updated(); });
  connect(runner_, &TaskRunner::finished, this, [this](int, bool cancelled, double) {
    if (!cancelled) emit finished();
  });
  connect(runner_, &TaskRunner::failed, this, [this](int, const QString& m) { emit failed(m); });
}

ExampleStatistics::~ExampleStatistics() { runner_->cancel(); }

void ExampleStatistics::reset() {
  runner_->abandon();
  started_ = false;
}

void ExampleStatistics::cancel() { runner_->cancel(); }

void ExampleStatistics::start() {
  if (started_) return;
  started_ = true;
  std::map<NormScheme, std::string> paths;
  QStringList missing;
  for (NormScheme s : kTourSchemes) {
    const QString p = example_path(QString::fromStdString(to_string(s)));
    if (p.isEmpty()) missing << scheme_label(s);
    else paths[s] = p.toStdString();
  }
  if (!missing.isEmpty()) {
    emit failed(QString("The example models were not found (%1).\nLooked in: %2")
                    .arg(missing.join(", "), example_search_dirs().join(", ")));
    return;
  }
  emit started();
  ExampleStatistics* self = this;
  runner_->start([self, paths](const TaskContext& ctx) {
    int i = 0;
    for (NormScheme scheme : kTourSchemes) {
      const double base = i * 0.5;
      auto session = ModelSession::open(paths.at(scheme), ctx.phase(base, base + 0.1, "open"));
      EvalSetOptions eo;
      eo.max_tokens = kStatsTokens;
      eo.n_ctx = kEvalContext;
      const EvalSet set = session->evaluation_set("", eo);
      LayerStatsOptions so;
      so.n_ctx = set.windows.n_ctx;
      so.logit_lens = false;
      so.angular = false;
      layer_statistics(session->model(), set.tokens, so, ctx.phase(base + 0.1, base + 0.35, "statistics"),
                       [&](const LayerStats& st) {
                         ctx.deliver([self, scheme, l = double(st.layer), v = st.output_variance,
                                      u = st.attn_update_ratio + st.mlp_update_ratio] {
                           emit self->trained_layer(scheme, l, v, u);
                         });
                       });
      // The same shape and scheme, freshly initialised with the spec's seed.
      auto fresh = ModelSession::random(session->config(), 1);
      layer_statistics(fresh->model(), set.tokens, so, ctx.phase(base + 0.35, base + 0.5, "at init"),
                       [&](const LayerStats& st) {
                         ctx.deliver([self, scheme, l = double(st.layer), v = st.output_variance] {
                           emit self->fresh_layer(scheme, l, v);
                         });
                       });
      ++i;
    }
  });
}

}  // namespace depthscope::ui
