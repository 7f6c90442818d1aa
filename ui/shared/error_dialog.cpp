#include "ui/shared/error_dialog.h"

#include <algorithm>

#include <QFontMetrics>
#include <QGridLayout>
#include <QMessageBox>
#include <QSpacerItem>

#include "core/runtime/threads.h"
#include "core/version.h"

namespace depthscope::ui {

namespace {
constexpr int kTitleBarButtons = 180;  // the title bar's icon and buttons, and some air
}  // namespace

QMessageBox* show_error(QWidget* parent, const QString& title, const QString& summary, const QString& message,
                        const QString& details, const QString& object_name) {
  auto* box = new QMessageBox(QMessageBox::Warning, title, summary, QMessageBox::Ok, parent);
  box->setObjectName(object_name);
  box->setInformativeText(message.size() > 600 ? message.left(600) + "…" : message);
  box->setDetailedText(message + "\n\n" + (details.isEmpty() ? QString() : details + "\n") + environment_details());
  box->setTextInteractionFlags(Qt::TextSelectableByMouse);
  box->setAttribute(Qt::WA_DeleteOnClose);
  // Wide enough for its title: a window manager elides a title wider than the window
  // ("Could not o… checkpoint"). QMessageBox sizes itself to its layout, so a spacer says so.
  if (auto* grid = qobject_cast<QGridLayout*>(box->layout())) {
    const int width = std::max(420, QFontMetrics(box->font()).horizontalAdvance(title) + kTitleBarButtons);
    grid->addItem(new QSpacerItem(width, 0, QSizePolicy::Minimum, QSizePolicy::Fixed), grid->rowCount(), 0, 1,
                  grid->columnCount());
  }
  box->open();
  return box;
}

QString environment_details() {
  return QString("DepthScope %1 · LibTorch %2 · %3 threads · %4")
      .arg(DEPTHSCOPE_VERSION, QString::fromStdString(torch_version()))
      .arg(threads())
      .arg(QString::fromStdString(blas_name()));
}

}  // namespace depthscope::ui
