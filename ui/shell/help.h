#pragma once
// Help ▸ Keyboard shortcuts and Help ▸ Documentation.
class QMainWindow;
class QWidget;

namespace depthscope::ui {

// A window listing every shortcut: each menu action of `window` (read from its menu bar, so
// the list cannot drift from the menus), the tab shortcuts and the Tour's keys. Non-blocking;
// object name "shortcuts_dialog", its table "shortcuts_table".
void show_shortcuts(QMainWindow* window);
// Opens README.md (with docs/ beside it) when it is found beside the program (a build tree)
// or installed; else says where the documentation is.
void open_documentation(QWidget* parent);

}  // namespace depthscope::ui
