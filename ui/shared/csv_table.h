#pragma once
// A chart's data as a table: what "Export data as CSV" writes.
#include <QList>
#include <QString>
#include <QStringList>

namespace depthscope::ui {

struct CsvTable {
  QStringList header;        // column names
  QList<QStringList> rows;   // one list of cells per row, same length as header
};

// RFC 4180 text: fields with a comma, quote or newline are quoted; lines end in "\n".
QString to_csv_text(const CsvTable& table);
// Writes the table; on failure returns false and sets *error to a sentence naming the file.
bool save_csv(const CsvTable& table, const QString& path, QString* error);

}  // namespace depthscope::ui
