#pragma once
// Errors as dialogs: a one-line summary, the message that names the file and the problem, and
// "Show Details…" with everything needed to report or fix it (paths, versions). Window-modal
// and non-blocking (open(), not exec()), so the app stays usable and tests can read it.
#include <QString>

class QMessageBox;
class QWidget;

namespace depthscope::ui {

// `object_name` lets tests find the box ("load_error", "inspect_error", ...).
QMessageBox* show_error(QWidget* parent, const QString& title, const QString& summary, const QString& message,
                        const QString& details, const QString& object_name);

// The details every error dialog ends with: DepthScope and LibTorch versions, threads, BLAS.
QString environment_details();

}  // namespace depthscope::ui
