#include "ui/shell/window_shortcuts.h"

#include <QAbstractSpinBox>
#include <QAction>
#include <QKeyEvent>
#include <QMainWindow>

namespace depthscope::ui {

WindowShortcutFilter::WindowShortcutFilter(QMainWindow* window) : QObject(window), window_(window) {}

bool WindowShortcutFilter::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() != QEvent::ShortcutOverride) return false;
  auto* key = static_cast<QKeyEvent*>(event);
  if (!(key->modifiers() & Qt::ControlModifier)) return false;
  // The spin box or its line edit.
  auto* widget = qobject_cast<QWidget*>(watched);
  if (!widget || !(qobject_cast<QAbstractSpinBox*>(widget) || qobject_cast<QAbstractSpinBox*>(widget->parentWidget())))
    return false;
  if (widget->window() != window_) return false;
  const QKeySequence pressed(key->keyCombination());
  for (QAction* a : window_->findChildren<QAction*>())
    if (a->isEnabled() && a->shortcuts().contains(pressed)) {
      event->ignore();  // not overridden: the shortcut map gives it to the action
      return true;
    }
  return false;
}

}  // namespace depthscope::ui
