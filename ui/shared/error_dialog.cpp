#include "ui/shared/error_dialog.h"

#include <QMessageBox>

#include "core/runtime/threads.h"
#include "core/version.h"

namespace depthscope::ui {

QMessageBox* show_error(QWidget* parent, const QString& title, const QString& summary, const QString& message,
                        const QString& details, const QString& object_name) {
  auto* box = new QMessageBox(QMessageBox::Warning, title, summary, QMessageBox::Ok, parent);
  box->setObjectName(object_name);
  box->setInformativeText(message.size() > 600 ? message.left(600) + "…" : message);
  box->setDetailedText(message + "\n\n" + (details.isEmpty() ? QString() : details + "\n") + environment_details());
  box->setTextInteractionFlags(Qt::TextSelectableByMouse);
  box->setAttribute(Qt::WA_DeleteOnClose);
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
