#pragma once
// The GUI application: `depthscope [--threads N] [--db RUNS.sqlite] [--screenshot FILE [--tab NAME]] [PATH]`.
#include <QString>

namespace depthscope::ui {

// Thread count to request from core: --threads when given, else DEPTHSCOPE_THREADS, else 0
// (all cores). Returns -1 and sets *error when a value is not a whole number >= 0.
int requested_threads(const QString& cli_value, const QString& env_value, QString* error);

// Sets the application name/organisation (QSettings keys), style and fonts.
void configure_application();

// Runs the GUI; returns the process exit code.
int run_gui(int argc, char** argv);

}  // namespace depthscope::ui
