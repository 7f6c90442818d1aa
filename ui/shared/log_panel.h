#pragma once
// The Log dock: timestamped lines ("14:02:31  Pre-LN finished in 0:02").
#include <QWidget>

class QPlainTextEdit;

namespace depthscope::ui {

class LogPanel : public QWidget {
  Q_OBJECT
 public:
  explicit LogPanel(QWidget* parent = nullptr);
  QString text() const;

 public slots:
  void append(const QString& message);
  void append_error(const QString& message);

 private:
  QPlainTextEdit* view_;
};

}  // namespace depthscope::ui
