#include "ui/tour/residual_diagram.h"

#include <QPainter>
#include <QPainterPath>

#include "core/model/config.h"
#include "ui/shared/palette.h"

namespace depthscope::ui {
namespace {

void arrow(QPainter& p, QPointF a, QPointF b, double head = 8) {
  p.drawLine(a, b);
  const QPointF d = b - a;
  const double len = std::hypot(d.x(), d.y());
  if (len <= 0) return;
  const QPointF u = d / len, n(-u.y(), u.x());
  QPolygonF tip;
  tip << b << b - u * head + n * head * 0.5 << b - u * head - n * head * 0.5;
  p.save();
  p.setBrush(p.pen().color());
  p.drawPolygon(tip);
  p.restore();
}

}  // namespace

ResidualDiagram::ResidualDiagram(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
  setMinimumHeight(170);
}

void ResidualDiagram::set_font_scale(double s) {
  font_scale_ = s;
  update();
}

void ResidualDiagram::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), chart_background_color());
  const QColor stream_color(0x44, 0x55, 0x66);
  const QColor block_fill(0xF3, 0xF6, 0xFA);
  const QColor pre = scheme_color(NormScheme::pre);
  const QColor lns = scheme_color(NormScheme::lns);

  QFont f = font();
  f.setPointSizeF(10.5 * font_scale_);
  QFont small = f;
  small.setPointSizeF(9.0 * font_scale_);
  QFont bold = f;
  bold.setBold(true);

  const double w = width(), h = height();
  const double margin = 16 * font_scale_;
  const double stream_y = h * 0.72;
  const double left = margin + 70 * font_scale_;
  const double right = w - margin - 60 * font_scale_;
  const int blocks = 4;  // 1, 2, ..., L: three drawn plus an ellipsis block
  const double span = (right - left) / blocks;

  // The stream.
  p.setPen(QPen(stream_color, 4, Qt::SolidLine, Qt::RoundCap));
  arrow(p, QPointF(left - 20 * font_scale_, stream_y), QPointF(right + 18 * font_scale_, stream_y), 12);
  p.setFont(bold);
  p.setPen(stream_color);
  p.drawText(QRectF(margin, stream_y - 14 * font_scale_, 70 * font_scale_, 28 * font_scale_),
             Qt::AlignVCenter | Qt::AlignLeft, "embed");
  p.drawText(QRectF(right + 22 * font_scale_, stream_y - 14 * font_scale_, 60 * font_scale_, 28 * font_scale_),
             Qt::AlignVCenter | Qt::AlignLeft, "head");
  p.setFont(small);
  p.drawText(QRectF(left - 20 * font_scale_, stream_y + 10 * font_scale_, right - left, 24 * font_scale_),
             Qt::AlignLeft | Qt::AlignTop, "residual stream x  (one vector per token)");

  const char* labels[blocks] = {"1", "2", "…", "L"};
  for (int i = 0; i < blocks; ++i) {
    const double cx = left + span * (i + 0.5);
    const double plus_x = cx + span * 0.36;
    const double read_x = cx - span * 0.36;
    const double box_w = span * 0.56, box_h = h * 0.24;
    const QRectF box(cx - box_w / 2, h * 0.18, box_w, box_h);
    if (i == 2) {
      p.setFont(bold);
      p.setPen(stream_color);
      p.drawText(box, Qt::AlignCenter, "· · ·");
      continue;
    }
    // Branch: read from the stream, through LN, then F, added back at (+).
    p.setPen(QPen(stream_color.lighter(130), 2));
    p.drawLine(QPointF(read_x, stream_y), QPointF(read_x, box.center().y()));
    arrow(p, QPointF(read_x, box.center().y()), QPointF(box.left(), box.center().y()), 7);
    p.setPen(QPen(pre, 2.4));
    p.drawLine(QPointF(box.right(), box.center().y()), QPointF(plus_x, box.center().y()));
    arrow(p, QPointF(plus_x, box.center().y()), QPointF(plus_x, stream_y - 11 * font_scale_), 8);
    // Block box.
    p.setPen(QPen(stream_color, 1.3));
    p.setBrush(block_fill);
    p.drawRoundedRect(box, 6, 6);
    p.setBrush(Qt::NoBrush);
    p.setFont(small);
    p.setPen(stream_color);
    p.drawText(box.adjusted(4, 3, -4, -box.height() * 0.5), Qt::AlignHCenter | Qt::AlignTop,
               QString("block %1").arg(labels[i]));
    p.setFont(f);
    p.drawText(box.adjusted(1, box.height() * 0.3, -1, 0), Qt::AlignCenter, "F(LN(x))");
    // The LNS factor under the block.
    p.setFont(small);
    p.setPen(lns);
    const QString factor = i == 3 ? "LNS: ·1/√L" : QString("LNS: ·1/√%1").arg(labels[i]);
    p.drawText(QRectF(box.left() - 10, box.bottom() + 2, box.width() + 20, 18 * font_scale_), Qt::AlignCenter, factor);
    // (+)
    const double r = 10 * font_scale_;
    p.setPen(QPen(stream_color, 2));
    p.setBrush(chart_background_color());
    p.drawEllipse(QPointF(plus_x, stream_y), r, r);
    p.drawLine(QPointF(plus_x - r * 0.55, stream_y), QPointF(plus_x + r * 0.55, stream_y));
    p.drawLine(QPointF(plus_x, stream_y - r * 0.55), QPointF(plus_x, stream_y + r * 0.55));
    p.setBrush(Qt::NoBrush);
    // x_l label on the stream: "x" with the layer as a subscript.
    p.setPen(stream_color);
    QFont sub = small;
    sub.setPointSizeF(small.pointSizeF() * 0.8);
    const QString index = i == 3 ? "L" : labels[i];
    const QFontMetricsF fm(small), fs(sub);
    const double tx = read_x - 6 * font_scale_ - fm.horizontalAdvance("x") - fs.horizontalAdvance(index);
    const double ty = stream_y - 9 * font_scale_;
    p.setFont(small);
    p.drawText(QPointF(tx, ty), "x");
    p.setFont(sub);
    p.drawText(QPointF(tx + fm.horizontalAdvance("x"), ty + 3 * font_scale_), index);
  }
  // Caption.
  p.setFont(f);
  p.setPen(stream_color);
  p.drawText(QRectF(margin, h - 22 * font_scale_, w - 2 * margin, 20 * font_scale_), Qt::AlignCenter,
             QString::fromUtf8("xₗ₊₁ = xₗ + F(LN(xₗ))   —   every block adds to the stream; nothing is overwritten"));
}

}  // namespace depthscope::ui
