#include "ui/shared/palette.h"

#include <QGuiApplication>
#include <QPainter>
#include <QPalette>
#include <QPixmap>

#include "core/model/scheme_words.h"

namespace depthscope::ui {

QColor scheme_color(NormScheme s) {
  switch (s) {
    case NormScheme::pre: return QColor(0xD5, 0x5E, 0x00);          // vermilion
    case NormScheme::lns: return QColor(0x00, 0x72, 0xB2);          // blue
    case NormScheme::post: return QColor(0x00, 0x9E, 0x73);         // bluish green
    case NormScheme::mix: return QColor(0xCC, 0x79, 0xA7);          // reddish purple
    case NormScheme::deepnorm: return QColor(0xE6, 0x9F, 0x00);     // orange
    case NormScheme::sandwich: return QColor(0x56, 0xB4, 0xE9);     // sky blue
    case NormScheme::layerscale: return QColor(0x8C, 0x7A, 0x00);   // dark yellow (readable on white)
    case NormScheme::scaled_init: return QColor(0x59, 0x59, 0x59);  // grey
    // The later placements: Paul Tol's muted palette (also colour-blind safe).
    case NormScheme::peri: return QColor(0x11, 0x77, 0x33);         // green
    case NormScheme::output: return QColor(0x88, 0x22, 0x55);       // wine
    case NormScheme::dyt: return QColor(0x44, 0xAA, 0x99);          // teal
    case NormScheme::hybrid: return QColor(0x33, 0x22, 0x88);       // indigo
    case NormScheme::hybrid_star: return QColor(0xAA, 0x44, 0x99);  // purple
    case NormScheme::skipinit: return QColor(0x99, 0x99, 0x33);     // olive
    case NormScheme::lns_gamma: return QColor(0xCC, 0x66, 0x77);    // rose
  }
  return QColor(Qt::black);
}

QString scheme_label(NormScheme s) { return QString::fromStdString(display_name(s)); }

QString scheme_word_label(const std::string& word) { return QString::fromStdString(scheme_word_display_name(word)); }

bool dark_theme() { return QGuiApplication::palette().color(QPalette::Window).lightness() < 128; }

QColor chart_background_color() { return dark_theme() ? QColor(0x1E, 0x21, 0x26) : QColor(Qt::white); }
QColor chart_overlay_color(int alpha) {
  QColor c = chart_background_color();
  c.setAlpha(alpha);
  return c;
}
QColor chart_text_color() { return dark_theme() ? QColor(0xE1, 0xE4, 0xE8) : QColor(0x26, 0x2B, 0x33); }
QColor chart_grid_color() { return dark_theme() ? QColor(0x33, 0x38, 0x40) : QColor(0xE3, 0xE6, 0xEA); }
QColor chart_axis_color() { return dark_theme() ? QColor(0x7D, 0x85, 0x90) : QColor(0x8A, 0x91, 0x9C); }
QColor hint_text_color() { return dark_theme() ? QColor(0x9A, 0xA1, 0xAB) : QColor(0x6B, 0x72, 0x7D); }

QIcon status_dot(const QColor& color) {
  QPixmap pm(12, 12);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(color);
  p.drawEllipse(QRectF(1.5, 1.5, 9, 9));
  return QIcon(pm);
}

}  // namespace depthscope::ui
