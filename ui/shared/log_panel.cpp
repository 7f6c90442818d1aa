#include "ui/shared/log_panel.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace depthscope::ui {

LogPanel::LogPanel(QWidget* parent) : QWidget(parent) {
  view_ = new QPlainTextEdit(this);
  view_->setReadOnly(true);
  view_->setMaximumBlockCount(5000);
  QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  mono.setPointSizeF(9);
  view_->setFont(mono);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_);
}

QString LogPanel::text() const { return view_->toPlainText(); }

void LogPanel::append(const QString& message) {
  view_->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss") + "  " + message);
}

void LogPanel::append_error(const QString& message) { append("error: " + message); }

}  // namespace depthscope::ui
