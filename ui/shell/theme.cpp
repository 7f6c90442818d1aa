#include "ui/shell/theme.h"

#include <QApplication>
#include <QProcess>
#include <QStandardPaths>
#include <QStyle>

namespace depthscope::ui {
namespace {

Theme g_current = Theme::system;

// The palette the platform gave the application at start, before any theme was applied.
const QPalette& platform_palette() {
  static const QPalette p = QApplication::palette();
  return p;
}

bool is_dark(const QPalette& p) { return p.color(QPalette::Window).lightness() < 128; }

// GNOME (and desktops that follow its settings) store the preference as color-scheme.
bool gnome_prefers_dark() {
  const QString gsettings = QStandardPaths::findExecutable("gsettings");
  if (gsettings.isEmpty()) return false;
  QProcess p;
  p.start(gsettings, {"get", "org.gnome.desktop.interface", "color-scheme"});
  if (!p.waitForFinished(500)) {
    p.kill();
    p.waitForFinished(100);
    return false;
  }
  return p.exitCode() == 0 && QString::fromUtf8(p.readAllStandardOutput()).contains("prefer-dark");
}

}  // namespace

bool parse_theme(const QString& text, Theme* out) {
  const QString t = text.trimmed().toLower();
  if (t == "system") *out = Theme::system;
  else if (t == "light") *out = Theme::light;
  else if (t == "dark") *out = Theme::dark;
  else return false;
  return true;
}

QString to_string(Theme t) {
  switch (t) {
    case Theme::light: return "light";
    case Theme::dark: return "dark";
    case Theme::system: break;
  }
  return "system";
}

bool system_prefers_dark() {
  if (is_dark(platform_palette())) return true;
  const QString gtk = qEnvironmentVariable("GTK_THEME").toLower();
  if (gtk.endsWith(":dark") || gtk.endsWith("-dark")) return true;
  return gnome_prefers_dark();
}

QPalette dark_palette() {
  const QColor window(0x2B, 0x2E, 0x33), base(0x1E, 0x21, 0x26), text(0xE1, 0xE4, 0xE8);
  const QColor disabled(0x7D, 0x85, 0x90), highlight(0x3D, 0x8E, 0xD9);
  QPalette p;
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, QColor(0x3A, 0x3F, 0x46));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, disabled);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xFF, 0x6B, 0x6B));
  p.setColor(QPalette::Light, window.lighter(150));
  p.setColor(QPalette::Midlight, window.lighter(125));
  p.setColor(QPalette::Mid, window.darker(120));
  p.setColor(QPalette::Dark, window.darker(160));
  p.setColor(QPalette::Shadow, Qt::black);
  p.setColor(QPalette::Highlight, highlight);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(0x6C, 0xB6, 0xFF));
  p.setColor(QPalette::LinkVisited, QColor(0xB3, 0x9D, 0xDB));
  for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
    p.setColor(QPalette::Disabled, role, disabled);
  p.setColor(QPalette::Disabled, QPalette::Highlight, window.lighter(130));
  return p;
}

void apply_theme(Theme t) {
  const QPalette& platform = platform_palette();  // captured before the first change
  g_current = t;
  bool dark = t == Theme::dark;
  if (t == Theme::system) dark = system_prefers_dark();
  if (dark) {
    QApplication::setPalette(is_dark(platform) ? platform : dark_palette());
  } else {
    QApplication::setPalette(is_dark(platform) ? QApplication::style()->standardPalette() : platform);
  }
}

Theme current_theme() { return g_current; }

}  // namespace depthscope::ui
