#pragma once
// Light and dark. By default DepthScope follows the desktop: the palette Qt's platform theme
// gives it, or, where that palette does not say (Qt 6.4 reads no colour-scheme preference),
// the desktop's own preference (GTK_THEME ending in ":dark", GNOME's color-scheme
// "prefer-dark"). `depthscope --theme light|dark`, DEPTHSCOPE_THEME and View > Theme override it;
// the choice made in the menu is remembered ("appearance/theme").
#include <QPalette>
#include <QString>

namespace depthscope::ui {

enum class Theme { system, light, dark };

// "system", "light", "dark" (any case); false when `text` is none of them.
bool parse_theme(const QString& text, Theme* out);
QString to_string(Theme t);

// True when the desktop asks for dark windows (see above).
bool system_prefers_dark();

// The palette DepthScope uses in dark mode (Fusion colours, tuned for charts).
QPalette dark_palette();

// Applies `t` to the application: every widget is told (PaletteChange) and the charts re-colour.
void apply_theme(Theme t);
// The theme last applied.
Theme current_theme();

}  // namespace depthscope::ui
