#include "ui/shared/chart.h"

#include <QFontMetrics>
#include <QResizeEvent>

#include <algorithm>
#include <cmath>
#include <limits>

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QMenu>
#include <QToolTip>

#include "ui/shared/chart_export.h"
#include "ui/shared/legend_placement.h"
#include "ui/shared/palette.h"

namespace depthscope::ui {
namespace {

QFont sized_font(double point_size, bool bold = false) {
  QFont f = QApplication::font();
  f.setPointSizeF(point_size);
  f.setBold(bold);
  return f;
}

void style_axis(QCPAxis* axis) {
  const QColor text = chart_text_color();
  axis->setBasePen(QPen(chart_axis_color(), 1));
  axis->setTickPen(QPen(chart_axis_color(), 1));
  axis->setSubTickPen(QPen(chart_axis_color(), 1));
  axis->setTickLabelColor(text);
  axis->setLabelColor(text);
  axis->setTickLabelFont(sized_font(9.5));
  axis->setLabelFont(sized_font(10.5));
  axis->setTickLengthIn(0);
  axis->setTickLengthOut(4);
  axis->setSubTickLengthIn(0);
  axis->setSubTickLengthOut(2);
  axis->setLabelPadding(6);
  axis->grid()->setPen(QPen(chart_grid_color(), 1));
  axis->grid()->setSubGridPen(QPen(chart_grid_color().lighter(104), 1, Qt::DotLine));
  axis->grid()->setZeroLinePen(Qt::NoPen);
}

}  // namespace

QCPColorGradient viridis_gradient() {
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(0x44, 0x01, 0x54));
  g.setColorStopAt(0.25, QColor(0x3B, 0x52, 0x8B));
  g.setColorStopAt(0.5, QColor(0x21, 0x91, 0x8C));
  g.setColorStopAt(0.75, QColor(0x5E, 0xC9, 0x62));
  g.setColorStopAt(1.0, QColor(0xFD, 0xE7, 0x25));
  g.setNanHandling(QCPColorGradient::nhTransparent);
  return g;
}

QCPColorScale* attach_colour_scale(QCustomPlot* chart, QCPColorMap* map, const QString& label,
                                   const QCPColorGradient& gradient, int bar_width) {
  auto* scale = new QCPColorScale(chart);
  chart->plotLayout()->addElement(2, 1, scale);  // beside the plot (rows 0 and 1: title, subtitle)
  scale->setType(QCPAxis::atRight);
  scale->setLabel(label);
  scale->setBarWidth(bar_width);
  map->setColorScale(scale);  // takes the scale's gradient, so both are set afterwards
  scale->setGradient(gradient);
  map->setGradient(gradient);
  auto* group = new QCPMarginGroup(chart);
  chart->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  return scale;
}

Chart::Chart(const QString& file_stem, QWidget* parent) : QCustomPlot(parent), file_stem_(file_stem) {
  setAntialiasedElements(QCP::aeAll);
  setNoAntialiasingOnDrag(true);
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  setMinimumSize(240, 170);

  plotLayout()->insertRow(0);
  plotLayout()->insertRow(0);
  title_ = new QCPTextElement(this, QString(), sized_font(12.5, true));
  title_->setMargins(QMargins(8, 8, 8, 0));
  subtitle_ = new QCPTextElement(this, QString(), sized_font(9.5));
  subtitle_->setMargins(QMargins(8, 2, 8, 0));
  plotLayout()->addElement(0, 0, title_);
  plotLayout()->addElement(1, 0, subtitle_);
  plotLayout()->setRowSpacing(0);

  xAxis2->setVisible(false);
  yAxis2->setVisible(false);

  legend->setVisible(true);
  legend->setFont(sized_font(10));
  legend->setIconSize(24, 12);
  axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);

  message_ = new QCPItemText(this);
  message_->setClipToAxisRect(false);
  message_->position->setType(QCPItemPosition::ptAxisRectRatio);
  message_->position->setCoords(0.5, 0.5);
  message_->setPositionAlignment(Qt::AlignCenter);
  message_->setTextAlignment(Qt::AlignCenter);
  message_->setFont(sized_font(11));
  message_->setPadding(QMargins(12, 8, 12, 8));
  message_->setVisible(false);
  apply_theme_colors();

  connect(this, &QCustomPlot::mouseMove, this, &Chart::on_mouse_move);
  connect(this, &QCustomPlot::beforeReplot, this, &Chart::place_legend);
  connect(this, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { fit_to_data(); });
}

void Chart::apply_theme_colors() {
  setBackground(chart_background_color());
  for (QCPAxis* axis : {xAxis, yAxis}) style_axis(axis);
  title_->setTextColor(chart_text_color());
  subtitle_->setTextColor(hint_text_color());
  legend->setTextColor(chart_text_color());
  style_legend_box();
  message_->setColor(hint_text_color());
  message_->setBrush(chart_overlay_color(230));
}

void Chart::style_legend_box() {
  // A legend with no item (every curve left out of it) draws no empty box.
  const bool empty = legend->itemCount() == 0;
  legend->setBrush(empty ? QBrush(Qt::NoBrush) : QBrush(chart_overlay_color(225)));
  legend->setBorderPen(empty ? QPen(Qt::NoPen) : QPen(chart_grid_color()));
}

void Chart::place_legend() {
  style_legend_box();
  if (!legend_follows_data_ || !legend->visible() || axisRect()->insetLayout()->elementCount() == 0) return;
  QCPLayoutInset* inset = axisRect()->insetLayout();
  if (inset->elementAt(0) != legend || inset->insetPlacement(0) != QCPLayoutInset::ipBorderAligned) return;
  if (!legend_preference_set_) {  // the corner the code put it in, kept as the preference
    legend_preference_ = inset->insetAlignment(0);
    legend_preference_set_ = true;
  }
  // Laid out for the size the chart has now: a replot after a resize would otherwise decide
  // on the axis rect of the old size (the replot lays out only after this signal).
  updateLayout();
  const Qt::Alignment corner = emptiest_legend_corner(*this, legend_preference_);
  if (corner != inset->insetAlignment(0)) inset->setInsetAlignment(0, corner);
}

void Chart::changeEvent(QEvent* event) {
  QCustomPlot::changeEvent(event);
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) {  // light <-> dark (ui/shell/theme.h)
    apply_theme_colors();
    replot(QCustomPlot::rpQueuedReplot);
  }
}

void Chart::set_title(const QString& title, const QString& subtitle) {
  title_text_ = title;
  subtitle_text_ = subtitle.isEmpty() ? QString(" ") : subtitle;
  wrap_subtitle(width());
}

namespace {

// `text` in lines that fit `room` pixels, broken at `separator` (kept at the end of a line
// when it is a word separator, dropped when it is " · "); a part wider than the room keeps
// its own line.
QString wrap_at(const QString& text, const QString& separator, const QFontMetrics& fm, int room) {
  if (room <= 0 || fm.horizontalAdvance(text) <= room || !text.contains(separator)) return text;
  QStringList lines;
  QString line;
  for (const QString& part : text.split(separator)) {
    const QString longer = line.isEmpty() ? part : line + separator + part;
    if (!line.isEmpty() && fm.horizontalAdvance(longer) > room) {
      lines << line;
      line = part;
    } else {
      line = longer;
    }
  }
  lines << line;
  return lines.join("\n");
}

}  // namespace

void Chart::wrap_subtitle(int width) {
  // The title and subtitle sit in the plot's column: a colour scale beside it (column 1 of the
  // plot's row, attach_colour_scale) takes its width from them.
  int beside = 0;
  for (int column = 1; column < plotLayout()->columnCount(); ++column)
    if (QCPLayoutElement* e = plotLayout()->element(2, column)) beside += std::max(e->outerRect().width(), 60);
  const int room = width - 24 - beside;  // the element's margins and a little air
  title_->setText(wrap_at(title_text_, " ", QFontMetrics(title_->font()), room));
  // The subtitle breaks at its " · " separators first, then a part still too wide at its spaces.
  QStringList parts;
  const QFontMetrics sub(subtitle_->font());
  for (const QString& part : wrap_at(subtitle_text_, " · ", sub, room).split('\n')) parts << wrap_at(part, " ", sub, room);
  subtitle_->setText(parts.join('\n'));
  // The message box's own padding and the axes' margins: about 120 pixels narrower.
  QStringList lines;
  for (const QString& line : message_text_.split('\n')) lines << wrap_at(line, " ", QFontMetrics(message_->font()), room - 120);
  message_->setText(lines.join('\n'));
}

void Chart::resizeEvent(QResizeEvent* event) {
  wrap_subtitle(event->size().width());
  QCustomPlot::resizeEvent(event);
}

QString Chart::title() const { return title_text_; }

void Chart::set_axis_labels(const QString& x, const QString& y) {
  xAxis->setLabel(x);
  yAxis->setLabel(y);
}

void Chart::set_log_y(bool on) {
  log_y_ = on;
  if (on) {
    yAxis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    ticker->setLogBase(10);
    ticker->setSubTickCount(8);
    yAxis->setTicker(ticker);
    yAxis->setNumberFormat("gb");
    yAxis->setNumberPrecision(6);
    yAxis->grid()->setSubGridVisible(true);
  } else {
    yAxis->setScaleType(QCPAxis::stLinear);
    yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    yAxis->setNumberFormat("g");
    yAxis->setNumberPrecision(6);
    yAxis->grid()->setSubGridVisible(false);
  }
  fit_to_data();
}

void Chart::set_integer_x() {
  QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
  ticker->setTickStep(1.0);
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  xAxis->setTicker(ticker);
}

QCPGraph* Chart::add_line_series(const QString& name, const QColor& color) {
  QCPGraph* g = addGraph();
  g->setName(name);
  g->setPen(QPen(color, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(color, 1.5), QBrush(color), 5));
  g->setLineStyle(QCPGraph::lsLine);
  return g;
}

void Chart::set_message(const QString& text) {
  message_text_ = text;
  message_->setVisible(!text.isEmpty());
  wrap_subtitle(width());
  replot(QCustomPlot::rpQueuedReplot);
}

QString Chart::message() const { return message_->visible() ? message_text_ : QString(); }

void Chart::fit_to_data() {
  bool any = false;
  double kmin = std::numeric_limits<double>::max(), kmax = -kmin;
  double vmin = std::numeric_limits<double>::max(), vmax = -vmin;
  const auto take = [&](double key, double value) {
    if (!std::isfinite(value) || (log_y_ && value <= 0)) return;
    any = true;
    kmin = std::min(kmin, key);
    kmax = std::max(kmax, key);
    vmin = std::min(vmin, value);
    vmax = std::max(vmax, value);
  };
  for (int i = 0; i < plottableCount(); ++i) {
    QCPAbstractPlottable* p = plottable(i);
    if (auto* g = qobject_cast<QCPGraph*>(p)) {
      for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) take(it->key, it->value);
    } else if (auto* b = qobject_cast<QCPBars*>(p)) {
      for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it) {
        take(it->key, it->value);
        if (!log_y_) take(it->key, 0.0);  // bars start at zero
      }
    } else if (auto* m = qobject_cast<QCPColorMap*>(p)) {
      m->rescaleDataRange(true);
      const QCPRange kr = m->data()->keyRange(), vr = m->data()->valueRange();
      const double hk = m->data()->keySize() > 1 ? 0.5 * kr.size() / (m->data()->keySize() - 1) : 0.5;
      const double hv = m->data()->valueSize() > 1 ? 0.5 * vr.size() / (m->data()->valueSize() - 1) : 0.5;
      xAxis->setRange(kr.lower - hk, kr.upper + hk);
      yAxis->setRange(vr.lower - hv, vr.upper + hv);
      replot(QCustomPlot::rpQueuedReplot);
      return;
    }
  }
  if (!any) {
    replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  xAxis->setRange(kmin - 0.5, kmax + 0.5);
  if (log_y_) {
    // Whole decades, so every end of the axis carries a labelled power of ten.
    const double lo = std::floor(std::log10(vmin) - 0.02);
    const double hi = std::ceil(std::log10(vmax) + 0.02);
    yAxis->setRange(std::pow(10.0, lo), std::pow(10.0, std::max(hi, lo + 1)));
  } else {
    const double span = vmax - vmin;
    const double pad = span > 0 ? 0.06 * span : std::max(1e-12, 0.1 * std::abs(vmax));
    yAxis->setRange(vmin >= 0 && vmin - pad < 0 ? 0.0 : vmin - pad, vmax + pad);
  }
  replot(QCustomPlot::rpQueuedReplot);
}

QString Chart::tooltip_at(const QPointF& pos) const {
  const double max_px = 14.0;
  double best = max_px * max_px;
  const QCPGraph* best_graph = nullptr;
  double best_key = 0, best_value = 0;
  for (int i = 0; i < graphCount(); ++i) {
    const QCPGraph* g = graph(i);
    if (!g->visible()) continue;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
      if (log_y_ && it->value <= 0) continue;
      const double px = xAxis->coordToPixel(it->key);
      const double py = yAxis->coordToPixel(it->value);
      const double d2 = (px - pos.x()) * (px - pos.x()) + (py - pos.y()) * (py - pos.y());
      if (d2 < best) {
        best = d2;
        best_graph = g;
        best_key = it->key;
        best_value = it->value;
      }
    }
  }
  if (best_graph) {
    if (tooltip_) return tooltip_(best_graph->name(), best_key, best_value);
    return QString("%1\n%2: %3").arg(best_graph->name()).arg(best_key).arg(best_value, 0, 'g', 6);
  }
  // Bars: the bar under the cursor. Colour maps: the cell under the cursor.
  const double key = xAxis->pixelToCoord(pos.x());
  const double value = yAxis->pixelToCoord(pos.y());
  for (int i = 0; i < plottableCount(); ++i) {
    QCPAbstractPlottable* p = const_cast<Chart*>(this)->plottable(i);
    if (auto* b = qobject_cast<QCPBars*>(p)) {
      for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it) {
        const bool inside_key = std::abs(it->key - key) <= b->width() / 2;
        const bool inside_value = (it->value >= 0) ? (value >= 0 && value <= it->value) : (value <= 0 && value >= it->value);
        if (inside_key && inside_value) {
          if (tooltip_) return tooltip_(b->name(), it->key, it->value);
          return QString("%1\n%2: %3").arg(b->name()).arg(it->key).arg(it->value, 0, 'g', 6);
        }
      }
    } else if (auto* m = qobject_cast<QCPColorMap*>(p)) {
      int ki = 0, vi = 0;
      m->data()->coordToCell(key, value, &ki, &vi);
      if (ki < 0 || vi < 0 || ki >= m->data()->keySize() || vi >= m->data()->valueSize()) continue;
      double ck = 0, cv = 0;
      m->data()->cellToCoord(ki, vi, &ck, &cv);
      const double cell = m->data()->cell(ki, vi);
      if (!std::isfinite(cell)) continue;
      if (cell_tooltip_) return cell_tooltip_(ck, cv, cell);
      return QString("%1\n(%2, %3): %4").arg(m->name()).arg(ck).arg(cv).arg(cell, 0, 'g', 6);
    }
  }
  return QString();
}

void Chart::on_mouse_move(QMouseEvent* event) {
  const QString text = tooltip_at(event->position());
  if (text.isEmpty()) {
    QToolTip::hideText();
  } else {
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
  }
}

void Chart::contextMenuEvent(QContextMenuEvent* event) {
  QMenu menu(this);
  menu.addAction("Export chart…", this, [this] { export_chart_dialog(this, this); });
  menu.addAction("Copy data as CSV", this, [this] {
    QApplication::clipboard()->setText(to_csv_text(csv()));
  });
  menu.addSeparator();
  menu.addAction("Reset view", this, [this] { fit_to_data(); });
  menu.exec(event->globalPos());
}

}  // namespace depthscope::ui
