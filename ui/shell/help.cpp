#include "ui/shell/help.h"

#include <QAction>
#include <QCoreApplication>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace depthscope::ui {
namespace {

void add_row(QTableWidget* table, const QString& where, const QString& what, const QString& keys) {
  const int r = table->rowCount();
  table->insertRow(r);
  table->setItem(r, 0, new QTableWidgetItem(keys));
  table->setItem(r, 1, new QTableWidgetItem(what));
  table->setItem(r, 2, new QTableWidgetItem(where));
}

void add_menu(QTableWidget* table, QMenu* menu, const QString& path) {
  for (QAction* a : menu->actions()) {
    if (a->isSeparator()) continue;
    const QString text = QString(a->text()).remove('&');
    if (a->menu()) {
      add_menu(table, a->menu(), path + " ▸ " + text);
      continue;
    }
    if (!a->shortcut().isEmpty()) add_row(table, path, text, a->shortcut().toString(QKeySequence::NativeText));
  }
}

}  // namespace

void show_shortcuts(QMainWindow* window) {
  auto* dialog = new QDialog(window);
  dialog->setObjectName("shortcuts_dialog");
  dialog->setWindowTitle("Keyboard shortcuts");
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  auto* table = new QTableWidget(0, 3);
  table->setObjectName("shortcuts_table");
  table->setHorizontalHeaderLabels({"Keys", "Command", "Where"});
  table->verticalHeader()->setVisible(false);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setAlternatingRowColors(true);
  for (QAction* top : window->menuBar()->actions())
    if (top->menu()) add_menu(table, top->menu(), QString(top->text()).remove('&'));
  const std::pair<const char*, const char*> tour[] = {{"Right, Page Down", "Next step"},
                                                      {"Left, Page Up", "Previous step"},
                                                      {"Home", "Restart the tour"},
                                                      {"F5", "Presenter mode on / off"},
                                                      {"Esc", "Leave presenter mode"}};
  for (const auto& [keys, what] : tour) add_row(table, "Tour tab (while it is shown)", what, keys);
  add_row(table, "Compare charts", "Zoom, within the data (the wheel alone scrolls the page)", "Ctrl+wheel");
  add_row(table, "Charts", "Fit to the data", "Double-click");
  table->resizeColumnsToContents();
  table->horizontalHeader()->setStretchLastSection(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(table);
  layout->addWidget(buttons);
  dialog->resize(640, 560);
  dialog->open();
}

void open_documentation(QWidget* parent) {
  const QDir exe(QCoreApplication::applicationDirPath());
  const QStringList candidates = {exe.filePath("../README.md"), exe.filePath("../../README.md"),
                                  exe.filePath("../share/doc/depthscope/README.md"), "/usr/share/doc/depthscope/README.md"};
  for (const QString& c : candidates)
    if (QFileInfo::exists(c)) {
      QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(c).canonicalFilePath()));
      return;
    }
  QMessageBox::information(parent, "Documentation",
                           QString("The documentation is README.md and the docs/ folder of the DepthScope sources "
                                   "(docs/ui.md maps each tab to its files). Not found beside this program; looked in:\n%1"
                                   "\n\nEvery command of the GUI is also a depthscope-cli command: depthscope-cli --help.")
                               .arg(candidates.join("\n")));
}

}  // namespace depthscope::ui
