#include "ui/tour/steps/lns_step.h"

#include <cmath>

#include <QFrame>
#include <QLabel>
#include <QVBoxLayout>

#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/tour/tour_figures.h"

namespace depthscope::ui {

QString LnsStep::text() const {
  return "LNS multiplies the output of each layer's normalisation by 1/&radic;l, l = 1..L. Both norms of a "
         "layer use the same factor, the final norm before the head is not scaled, and nothing is learned: "
         "no new parameter, no new hyperparameter. In DepthScope's model it is one multiplication, shown "
         "below exactly as it appears in core/model/transformer.cpp.";
}

QWidget* LnsStep::make_figure() {
  auto* w = new QWidget;
  const QString lns = scheme_color(NormScheme::lns).name();
  formula_ = new QLabel(
      "<table cellpadding='3'>"
      "<tr><td><b>Pre-LN</b></td><td>h = x + Attn(LN(x))</td><td>&nbsp;&nbsp;y = h + FFN(LN(h))</td></tr>"
      "<tr><td><b style='color:" + lns + "'>LNS</b></td>"
      "<td>h = x + Attn(LN(x) <b style='color:" + lns + "'>/ &radic;l</b>)</td>"
      "<td>&nbsp;&nbsp;y = h + FFN(LN(h) <b style='color:" + lns + "'>/ &radic;l</b>)</td></tr></table>");
  formula_->setTextFormat(Qt::RichText);
  formula_->setAlignment(Qt::AlignCenter);
  // Code colours for the theme at start (GitHub's light and dark code colours).
  const bool dark = dark_theme();
  const QString comment = dark ? "#8B949E" : "#6a737d", mark = dark ? "#5A4A12" : "#FFF3C4";
  code_ = new QLabel(
      QString("<pre style='margin:0'>"
              "<span style='color:%1'>// core/model/transformer.cpp, Transformer::block (Pre-LN family)</span>\n"
              "const double s = lns_scale(config_, layer);   <span style='color:%1'>// 1/sqrt(l) under LNS, else 1</span>\n"
              "at::Tensor attn_in = norm(x, lw.attn_norm_w, lw.attn_norm_b);\n"
              "<b style='background:%2'>if (s != 1.0) attn_in = attn_in * s;</b>   <span style='color:%1'>// the line LNS adds "
              "(and the same for mlp_in)</span>"
              "</pre>").arg(comment, mark));
  code_->setTextFormat(Qt::RichText);
  code_->setObjectName("tour_code");
  code_->setFrameShape(QFrame::StyledPanel);
  code_->setStyleSheet(QString("QLabel#tour_code { background: %1; border: 1px solid %2; border-radius: 4px; "
                               "padding: 8px; }").arg(dark ? "#161B22" : "#F6F8FA", dark ? "#30363D" : "#D0D7DE"));
  QFont mono("monospace");
  mono.setStyleHint(QFont::Monospace);
  code_->setFont(mono);

  Chart* chart = track(new Chart("tour-lns-factor"));
  chart->set_title("The factor each layer's norm output is multiplied by", "24 layers, as in the example models");
  chart->set_axis_labels("layer l", "factor");
  auto* pre = chart->add_line_series("Pre-LN: 1", scheme_color(NormScheme::pre));
  auto* bars = add_bars(chart, QString::fromUtf8("LNS: 1/\u221Al"), scheme_color(NormScheme::lns), 0.7);
  for (int l = 1; l <= 24; ++l) {
    pre->addData(l, 1.0);
    bars->addData(l, 1.0 / std::sqrt(static_cast<double>(l)));
  }
  pre->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
  chart->set_integer_x();
  chart->fit_to_data();
  chart->yAxis->setRange(0, 1.6);  // headroom: the legend sits above the Pre-LN line at 1
  chart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  auto* layout = new QVBoxLayout(w);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(formula_);
  layout->addWidget(code_);
  layout->addWidget(chart, 1);
  return w;
}

void LnsStep::set_scale(double scale) {
  TourStep::set_scale(scale);
  QFont f = formula_->font();
  f.setPointSizeF(14 * scale);
  formula_->setFont(f);
  QFont mono = code_->font();
  mono.setPointSizeF(10 * scale);
  code_->setFont(mono);
}

}  // namespace depthscope::ui
