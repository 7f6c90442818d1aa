#include "ui/shared/log_panel.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QScrollBar>
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
  // Follow new lines unless the user has scrolled up to read older ones.
  QScrollBar* bar = view_->verticalScrollBar();
  const bool at_end = bar->value() >= bar->maximum() - 2;
  view_->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss") + "  " + message);
  if (at_end) bar->setValue(bar->maximum());
}

void LogPanel::append_error(const QString& message) { append("error: " + message); }

}  // namespace depthscope::ui
