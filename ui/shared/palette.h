#pragma once
// One colour per norm scheme, chosen once, used by every chart, legend and table.
// Okabe–Ito colours: distinguishable with the common forms of colour blindness.
#include <QColor>
#include <QIcon>
#include <QString>

#include "core/model/config.h"

namespace depthscope::ui {

QColor scheme_color(NormScheme s);
// display_name(s) as a QString: "Pre-LN", "LNS", ...
QString scheme_label(NormScheme s);
// A run's stored scheme word as people read it: "pre+gpas" -> "Pre-LN + GPAS"; a word this
// build does not know is shown as stored.
QString scheme_word_label(const std::string& word);

// Light or dark: true when the application palette (the desktop's, or the one --theme and
// View > Theme chose; ui/shell/theme.h) has a dark window colour. The neutral colours below
// follow it; the scheme colours read well on both.
bool dark_theme();

// Neutral colours shared by the charts.
QColor chart_background_color();
// The chart background with `alpha` (0-255): behind legends and messages drawn over curves.
QColor chart_overlay_color(int alpha);
QColor chart_text_color();
QColor chart_grid_color();
QColor chart_axis_color();
QColor hint_text_color();
// A 12 px filled dot of `color`: the status marker of runs in the Jobs dock and the workspace.
QIcon status_dot(const QColor& color);

}  // namespace depthscope::ui
