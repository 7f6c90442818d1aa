#pragma once
// The bold heading above each section of the Compare tab.
#include <QLabel>

#include "ui/shared/palette.h"

namespace depthscope::ui {

inline QLabel* section_heading(const QString& text) {
  auto* l = new QLabel(text);
  l->setStyleSheet(
      QString("color: %1; font-weight: 600; font-size: 11pt; padding-top: 4px;").arg(chart_text_color().name()));
  return l;
}

}  // namespace depthscope::ui
