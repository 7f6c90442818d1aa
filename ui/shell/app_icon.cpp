#include "ui/shell/app_icon.h"

#include <QPainter>
#include <QPixmap>
#include <QSvgRenderer>

// Qt resources compiled into a static library must be registered explicitly (outside any
// namespace).
static void register_ui_resources() { Q_INIT_RESOURCE(depthscope); }

namespace depthscope::ui {

QIcon application_icon() {
  register_ui_resources();
  QSvgRenderer svg(QString(":/depthscope.svg"));
  QIcon icon;
  if (!svg.isValid()) return icon;
  for (int size : {16, 24, 32, 48, 64, 128, 256}) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    svg.render(&painter);
    icon.addPixmap(pixmap);
  }
  return icon;
}

}  // namespace depthscope::ui
