#include "ui/tour/steps/variance_at_init_step.h"

#include "core/analysis/variance_at_init.h"
#include "core/runtime/progress.h"
#include "ui/shared/background_task.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {
namespace {
// The fresh model: deep enough for the growth to show, small enough for a second or two.
constexpr int kInitLayers = 48;
constexpr int kInitWidth = 128;
}  // namespace

VarianceAtInitStep::VarianceAtInitStep(QObject* parent) : TourStep(parent), runner_(new TaskRunner(this)) {
  connect(runner_, &TaskRunner::updated, this, [this](int) { chart_->fit_to_data(); });
  connect(runner_, &TaskRunner::finished, this, [this](int, bool cancelled, double) {
    if (!cancelled) emit finished();
  });
  connect(runner_, &TaskRunner::failed, this, [this](int, const QString& m) {
    chart_->set_message("Could not compute the curves:\n" + m);
    emit failed(m);
  });
}

VarianceAtInitStep::~VarianceAtInitStep() { runner_->cancel(); }

QString VarianceAtInitStep::text() const {
  return "Take a fresh model (paper initialisation, random tokens) and measure the variance of the stream "
         "after every block. In <b>Pre-LN</b> every block adds its update at full strength, so the variance "
         "keeps growing with depth: the paper proves it grows between &Theta;(L) and &Theta;(exp L). With "
         "<b>LayerNorm Scaling</b> (LNS) the growth is far slower. Both curves are computed now, layer by layer.";
}

QCPGraph* VarianceAtInitStep::graph(NormScheme s) const {
  auto it = graphs_.find(s);
  return it == graphs_.end() ? nullptr : it->second;
}

QWidget* VarianceAtInitStep::make_figure() {
  chart_ = track(new Chart("tour-variance-at-init"));
  VarianceAtInitRequest r;
  r.layers = kInitLayers;
  r.width = kInitWidth;
  const ModelConfig c = variance_at_init_config(r);
  chart_->set_title("Residual-stream variance at initialisation",
                    QString("fresh Llama-style model · %1 layers × %2 · %3 heads · paper init (std 0.02) · "
                            "random tokens")
                        .arg(kInitLayers).arg(kInitWidth).arg(c.num_heads));
  chart_->set_axis_labels("layer l", "Var(x_l+1)  (log scale)");
  for (NormScheme s : kTourSchemes) graphs_[s] = chart_->add_line_series(scheme_label(s), scheme_color(s));
  chart_->set_log_y(true);
  chart_->xAxis->setRange(0.5, kInitLayers + 0.5);
  chart_->set_tooltip([](const QString& series, double key, double value) {
    return QString("%1, after layer %2\nVar = %3").arg(series).arg(static_cast<int>(key)).arg(value, 0, 'g', 5);
  });
  return chart_;
}

void VarianceAtInitStep::start() {
  for (auto& [s, g] : graphs_) g->data()->clear();
  chart_->set_message(QString());
  set_summary("Computing…");
  VarianceAtInitStep* self = this;
  runner_->start([self](const TaskContext& ctx) {
    const double n = 2.0;
    int i = 0;
    for (NormScheme scheme : kTourSchemes) {
      VarianceAtInitRequest r;
      r.layers = kInitLayers;
      r.width = kInitWidth;
      r.scheme = scheme;
      const RunControl control = ctx.phase(i / n, (i + 1) / n, to_string(scheme));
      variance_at_init(r, control, [&](const LayerVariance& lv) {
        ctx.deliver([self, scheme, l = static_cast<double>(lv.layer), v = lv.output_variance] {
          self->graphs_.at(scheme)->addData(l, v);
        });
      });
      ++i;
    }
    ctx.deliver([self] {
      const QCPGraph* pre = self->graph(NormScheme::pre);
      const QCPGraph* lns = self->graph(NormScheme::lns);
      if (pre->data()->isEmpty() || lns->data()->isEmpty()) return;
      self->set_summary(
          QString("%1 variance after layer %2: <b>%3</b> (×%4 from layer 1) &nbsp;&nbsp; %5: <b>%6</b> (×%7)")
              .arg(scheme_html(NormScheme::pre)).arg(kInitLayers)
              .arg((pre->data()->constEnd() - 1)->value, 0, 'g', 3).arg(last_over_first(pre), 0, 'f', 1)
              .arg(scheme_html(NormScheme::lns))
              .arg((lns->data()->constEnd() - 1)->value, 0, 'g', 3).arg(last_over_first(lns), 0, 'f', 1));
    });
  });
}

void VarianceAtInitStep::clear() {
  runner_->abandon();
  TourStep::clear();
  for (auto& [s, g] : graphs_) g->data()->clear();
  chart_->set_message(QString());
  chart_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace depthscope::ui
