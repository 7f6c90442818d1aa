#include "ui/tour/tour_figures.h"

#include <cmath>

#include "ui/shared/chart.h"
#include "ui/shared/palette.h"

namespace depthscope::ui {

QString scheme_html(NormScheme s) {
  return QString("<span style='color:%1'>&#9679;</span>&nbsp;<b>%2</b>")
      .arg(scheme_color(s).name(), scheme_label(s).toHtmlEscaped());
}

QColor faint(QColor c, int alpha) {
  c.setAlpha(alpha);
  return c;
}

void set_chart_fonts(Chart* chart, double scale) {
  const auto sized = [&](double pt, bool bold = false) {
    QFont f = chart->font();
    f.setPointSizeF(pt * scale);
    f.setBold(bold);
    return f;
  };
  for (QCPAxis* axis : {chart->xAxis, chart->yAxis}) {
    axis->setTickLabelFont(sized(9.5));
    axis->setLabelFont(sized(10.5));
  }
  chart->legend->setFont(sized(10));
  chart->legend->setIconSize(static_cast<int>(24 * scale), static_cast<int>(12 * scale));
  if (auto* t = qobject_cast<QCPTextElement*>(chart->plotLayout()->element(0, 0))) t->setFont(sized(12.5, true));
  if (auto* t = qobject_cast<QCPTextElement*>(chart->plotLayout()->element(1, 0))) t->setFont(sized(9.5));
  for (int i = 0; i < chart->graphCount(); ++i) {
    QCPGraph* g = chart->graph(i);
    QPen pen = g->pen();
    const double base = g->property("base_width").isValid() ? g->property("base_width").toDouble() : pen.widthF();
    g->setProperty("base_width", base);
    pen.setWidthF(base * (scale > 1 ? 1.4 : 1.0));
    g->setPen(pen);
  }
  chart->replot(QCustomPlot::rpQueuedReplot);
}

QCPGraph* dashed_series(Chart* chart, const QString& name, const QColor& color) {
  QCPGraph* g = chart->add_line_series(name, color);
  g->setPen(QPen(faint(color, 150), 1.6, Qt::DashLine));
  g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
  return g;
}

QCPBars* add_bars(Chart* chart, const QString& name, const QColor& color, double width) {
  auto* b = new QCPBars(chart->xAxis, chart->yAxis);
  b->setName(name);
  b->setPen(QPen(color.darker(115), 1));
  b->setBrush(faint(color, 210));
  b->setWidth(width);
  return b;
}

double last_over_first(const QCPGraph* g) {
  if (!g || g->data()->size() < 2) return std::nan("");
  const double first = g->data()->constBegin()->value;
  const double last = (g->data()->constEnd() - 1)->value;
  return first > 0 ? last / first : std::nan("");
}

}  // namespace depthscope::ui
