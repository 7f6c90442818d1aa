#include "ui/tour/steps/paper_summary_step.h"

#include <algorithm>

#include <QHBoxLayout>
#include <QLabel>

#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {

QString PaperSummaryStep::text() const {
  return "The paper (Sun et al., <i>The Curse of Depth in Large Language Models</i>, 2025) trains Llama-style "
         "models from 130M to 1B parameters on C4. LNS lowers the validation perplexity at every size, with "
         "no extra parameters and no change to the recipe.";
}

QWidget* PaperSummaryStep::make_figure() {
  auto* w = new QWidget;
  Chart* chart = track(new Chart("tour-paper-summary"));
  chart->set_title("Validation perplexity in the paper (lower is better)",
                   "Llama-style models on C4 · Sun et al. 2025, Table 1");
  chart->set_axis_labels("model size", "validation perplexity");
  const char* sizes[] = {"130M", "250M", "350M", "1B"};
  const double pre[] = {26.73, 21.92, 19.58, 17.02};
  const double lns[] = {25.76, 20.35, 18.20, 15.71};
  auto* group = new QCPBarsGroup(chart);
  auto* b_pre = add_bars(chart, "Pre-LN", scheme_color(NormScheme::pre), 0.35);
  auto* b_lns = add_bars(chart, "Pre-LN + LNS", scheme_color(NormScheme::lns), 0.35);
  b_pre->setBarsGroup(group);
  b_lns->setBarsGroup(group);
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (int i = 0; i < 4; ++i) {
    b_pre->addData(i + 1, pre[i]);
    b_lns->addData(i + 1, lns[i]);
    ticker->addTick(i + 1, sizes[i]);
    auto* label = new QCPItemText(chart);
    label->position->setCoords(i + 1, std::max(pre[i], lns[i]) + 0.6);
    label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
    label->setText(QString("%1 → %2").arg(pre[i], 0, 'f', 2).arg(lns[i], 0, 'f', 2));
    label->setColor(chart_text_color());
  }
  chart->xAxis->setTicker(ticker);
  chart->xAxis->setRange(0.4, 4.6);
  chart->yAxis->setRange(0, 31);
  chart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  findings_ = new QLabel(
      "<ul style='margin-left:-20px'>"
      "<li><b>Why:</b> in Pre-LN the residual variance grows with depth, so deep blocks see inputs that dwarf "
      "their own update; their Jacobian approaches the identity and they contribute little. About half the "
      "layers of Llama-, Qwen-, DeepSeek- and Mistral-family models can be removed with little loss.</li>"
      "<li><b>Variance:</b> after 10K steps of LLaMA-130M the last layer's variance reached ~175 in Pre-LN and "
      "stayed near 25 with LNS.</li>"
      "<li><b>Fix:</b> scale each LayerNorm output by 1/&radic;l. No parameters, no hyperparameters; the "
      "position matters (after the norm: 25.76; scaling the residual instead diverges).</li>"
      "<li><b>Larger:</b> OLMo-7B on 20B tokens, final loss 2.69 (Pre-LN) vs 2.50 (LNS); fine-tuned averages "
      "36.93 &rarr; 43.14 at 250M and 43.01 &rarr; 44.87 at 1B.</li>"
      "<li><b>In DepthScope:</b> every figure of this tour is one click away in the Inspect, Train and Compare "
      "tabs, on your own checkpoints.</li></ul>");
  findings_->setTextFormat(Qt::RichText);
  findings_->setWordWrap(true);
  auto* layout = new QHBoxLayout(w);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(chart, 5);
  layout->addWidget(findings_, 4);
  return w;
}

void PaperSummaryStep::set_scale(double scale) {
  TourStep::set_scale(scale);
  QFont f = findings_->font();
  f.setPointSizeF(10.5 * scale);
  findings_->setFont(f);
}

}  // namespace depthscope::ui
