#include "ui/tour/steps/layer_removal_step.h"

#include <algorithm>
#include <map>
#include <string>

#include <QStringList>

#include "core/analysis/eval_set.h"
#include "core/analysis/layer_removal.h"
#include "core/session/model_session.h"
#include "ui/shared/background_task.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/tour/examples.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {
namespace {
// Tokens of the evaluation text, and its window.
constexpr std::int64_t kRemovalTokens = 2048;
constexpr std::int64_t kEvalContext = 128;
}  // namespace

LayerRemovalStep::LayerRemovalStep(QObject* parent) : TourStep(parent), runner_(new TaskRunner(this)) {
  connect(runner_, &TaskRunner::updated, this, [this](int) {
    chart_->fit_to_data();
    update_summary();
  });
  connect(runner_, &TaskRunner::finished, this, [this](int, bool cancelled, double) {
    if (cancelled) return;
    update_summary();
    emit finished();
  });
  connect(runner_, &TaskRunner::failed, this, [this](int, const QString& m) {
    chart_->set_message(m);
    emit failed(m);
  });
}

LayerRemovalStep::~LayerRemovalStep() { runner_->cancel(); }

QString LayerRemovalStep::text() const {
  return "Bypass one layer (x<sub>l+1</sub> = x<sub>l</sub>, no retraining) and measure how much the "
         "perplexity on a fixed text rises. <b>What the paper reports</b> (large models, 130M to 7B "
         "parameters, and released Llama-, Qwen-, DeepSeek- and Mistral-family models): in Pre-LN models about "
         "half the layers, the deep ones, can be removed with little loss, and LNS is proposed so that deep "
         "layers contribute again. <b>What these examples show</b> is written below from the bars themselves: "
         "they are small (24 &times; 96) and trained for 600 steps only, so they need not agree. The bars fill "
         "in as the sweep runs.";
}

QCPBars* LayerRemovalStep::bars(NormScheme s) const {
  auto it = bars_.find(s);
  return it == bars_.end() ? nullptr : it->second;
}

QWidget* LayerRemovalStep::make_figure() {
  chart_ = track(new Chart("tour-layer-removal"));
  chart_->set_title("Cost of removing one layer",
                    "example models · ΔPPL on a fixed text with layer l bypassed · below 0.001 drawn at 0.001");
  chart_->set_axis_labels("layer removed", "ΔPPL  (log scale)");
  auto* group = new QCPBarsGroup(chart_);
  group->setSpacingType(QCPBarsGroup::stAbsolute);
  group->setSpacing(1);
  for (NormScheme s : kTourSchemes) {
    bars_[s] = add_bars(chart_, scheme_label(s), scheme_color(s), 0.4);
    bars_[s]->setBarsGroup(group);
    bars_[s]->setBaseValue(0);
  }
  chart_->set_log_y(true);
  chart_->set_integer_x();
  chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  chart_->set_message("Loading the example models…");
  chart_->set_tooltip([](const QString& series, double key, double value) {
    return QString("%1: without layer %2\nΔPPL = %3").arg(series).arg(static_cast<int>(key)).arg(value, 0, 'g', 4);
  });
  return chart_;
}

void LayerRemovalStep::start() {
  std::map<NormScheme, std::string> paths;
  for (NormScheme s : kTourSchemes) {
    const QString p = example_path(QString::fromStdString(to_string(s)));
    if (p.isEmpty()) {
      const QString m = QString("The example models were not found.\nLooked in: %1").arg(example_search_dirs().join(", "));
      chart_->set_message(m);
      emit failed(m);
      return;
    }
    paths[s] = p.toStdString();
  }
  chart_->set_message(QString());
  set_summary("Sweeping…");
  LayerRemovalStep* self = this;
  runner_->start([self, paths](const TaskContext& ctx) {
    int i = 0;
    for (NormScheme scheme : kTourSchemes) {
      const double base = i * 0.5;
      auto session = ModelSession::open(paths.at(scheme), ctx.phase(base, base + 0.05, "open"));
      EvalSetOptions eo;
      eo.max_tokens = kRemovalTokens;
      eo.n_ctx = kEvalContext;
      const EvalSet set = session->evaluation_set("", eo);
      RemovalOptions ro;
      ro.windows = set.windows;
      const LayerRemovalSweep sweep = layer_removal_sweep(
          session->model(), set.tokens, ro, ctx.phase(base + 0.05, base + 0.5, "removal sweep"),
          [&](const LayerRemovalEntry& e) {
            ctx.deliver([self, scheme, l = double(e.layer), d = e.delta_ppl] {
              self->bars_.at(scheme)->addData(l, std::max(d, 1e-3));  // log axis
              self->delta_[scheme][static_cast<int>(l)] = d;
            });
          });
      ctx.deliver([self, scheme, b = sweep.baseline.ppl] { self->baseline_[scheme] = b; });
      ++i;
    }
  });
}

void LayerRemovalStep::clear() {
  runner_->abandon();
  TourStep::clear();
  for (auto& [s, b] : bars_) b->data()->clear();
  baseline_.clear();
  delta_.clear();
  chart_->set_message("Loading the example models…");
  chart_->replot(QCustomPlot::rpQueuedReplot);
}

void LayerRemovalStep::update_summary() {
  QStringList parts;
  std::map<NormScheme, double> deep_mean;  // mean ΔPPL over the deepest half of the layers
  for (NormScheme s : kTourSchemes) {
    const QCPBars* b = bars_.at(s);
    auto base = baseline_.find(s);
    if (b->data()->isEmpty() || base == baseline_.end()) continue;
    // Layers whose removal costs under 5% of the full model's perplexity.
    int cheap = 0, n = 0;
    double worst = 0;
    int worst_layer = 0;
    for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it) {
      ++n;
      if (it->value < 0.05 * base->second) ++cheap;
      if (it->value > worst) {
        worst = it->value;
        worst_layer = static_cast<int>(it->key);
      }
    }
    // The cost of the first and the second half of the layers, from the unclamped ΔPPL; layer 1
    // is left out so that one layer does not decide both sums.
    double early = 0, late = 0;
    int late_n = 0;
    for (const auto& [l, d] : delta_[s]) {
      if (l == 1) continue;
      if (2 * l <= n) {
        early += d;
      } else {
        late += d;
        ++late_n;
      }
    }
    if (late_n > 0 && static_cast<int>(delta_[s].size()) == n) deep_mean[s] = late / late_n;
    parts << QString("%1 PPL %2: %3 of %4 layers cost under 5%; the most costly is layer %5 (+%6); "
                     "layers 2–%7 together +%8, layers %9–%4 together +%10")
                 .arg(scheme_html(s)).arg(base->second, 0, 'f', 2).arg(cheap).arg(n).arg(worst_layer)
                 .arg(worst, 0, 'f', 1).arg(n / 2).arg(early, 0, 'f', 2).arg(n / 2 + 1).arg(late, 0, 'f', 2);
  }
  // The comparison in words, from the same numbers: which scheme's deep layers cost more.
  const auto pre = deep_mean.find(NormScheme::pre), lns = deep_mean.find(NormScheme::lns);
  if (pre != deep_mean.end() && lns != deep_mean.end()) {
    const bool as_paper = lns->second > pre->second;
    parts << QString("<b>Here</b>, removing one layer of the deepest half costs on average +%1 for %2 and +%3 for "
                     "%4: in these examples LNS's deep layers matter %5 than Pre-LN's, %6.")
                 .arg(pre->second, 0, 'g', 3).arg(scheme_html(NormScheme::pre))
                 .arg(lns->second, 0, 'g', 3).arg(scheme_html(NormScheme::lns))
                 .arg(as_paper ? "more" : "less")
                 .arg(as_paper ? "the direction the paper reports for large models"
                               : "the reverse of what the paper reports for large models (docs/benchmarks.md, "
                                 "\"The examples and the paper\", measures why)");
  }
  if (!parts.isEmpty()) set_summary(parts.join("<br>"));
}

}  // namespace depthscope::ui
