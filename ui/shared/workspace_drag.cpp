#include "ui/shared/workspace_drag.h"

#include <QMimeData>
#include <QUrl>

namespace depthscope::ui {

QMimeData* workspace_mime_data(const QList<qint64>& runs, const QStringList& paths) {
  if (runs.isEmpty() && paths.isEmpty()) return nullptr;
  auto* data = new QMimeData;
  if (!runs.isEmpty()) {
    QStringList ids;
    for (qint64 id : runs) ids << QString::number(id);
    data->setData(kRunsMimeType, ids.join(',').toUtf8());
    data->setText(QString("runs %1").arg(ids.join(", ")));
  }
  QList<QUrl> urls;
  for (const QString& p : paths) urls << QUrl::fromLocalFile(p);
  if (!urls.isEmpty()) data->setUrls(urls);
  return data;
}

QList<qint64> runs_from_mime_data(const QMimeData* data) {
  QList<qint64> runs;
  if (data == nullptr || !data->hasFormat(kRunsMimeType)) return runs;
  for (const QByteArray& part : data->data(kRunsMimeType).split(',')) {
    bool ok = false;
    const qint64 id = part.trimmed().toLongLong(&ok);
    if (ok && id > 0 && !runs.contains(id)) runs << id;
  }
  return runs;
}

}  // namespace depthscope::ui
