#include "ui/shared/csv_table.h"

#include <QFile>
#include <QSaveFile>

namespace depthscope::ui {
namespace {

QString csv_field(const QString& s) {
  if (!s.contains(',') && !s.contains('"') && !s.contains('\n')) return s;
  QString q = s;
  q.replace("\"", "\"\"");
  return "\"" + q + "\"";
}

QString csv_line(const QStringList& cells) {
  QStringList out;
  for (const QString& c : cells) out << csv_field(c);
  return out.join(',') + "\n";
}

}  // namespace

QString to_csv_text(const CsvTable& table) {
  QString text = csv_line(table.header);
  for (const QStringList& row : table.rows) text += csv_line(row);
  return text;
}

bool save_csv(const CsvTable& table, const QString& path, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
    if (error) *error = QString("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  file.write(to_csv_text(table).toUtf8());
  if (!file.commit()) {
    if (error) *error = QString("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace depthscope::ui
