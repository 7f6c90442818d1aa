#pragma once
// Help ▸ About: what DepthScope is and the versions of everything it is built on.
#include <QDialog>

namespace depthscope::ui {

// HTML with DepthScope, Qt (qVersion()), LibTorch, QCustomPlot and SQLite versions, plus
// threads and BLAS in use.
QString about_text();

class AboutDialog : public QDialog {
  Q_OBJECT
 public:
  explicit AboutDialog(QWidget* parent = nullptr);
};

}  // namespace depthscope::ui
