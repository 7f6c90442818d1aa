#pragma once
// The GUI application: `depthscope [--threads N] [--db RUNS.sqlite] [--compare RUNS]
// [--compare-checkpoints PATHS] [--screenshot FILE [--tab NAME]] [PATH]`.
#include <QString>
#include <QStringList>

namespace depthscope::ui {

// Thread count to request from core: --threads when given, else DEPTHSCOPE_THREADS, else 0
// (all cores). Returns -1 and sets *error when a value is not a whole number >= 0.
int requested_threads(const QString& cli_value, const QString& env_value, QString* error);

// The checkpoints of --compare-checkpoints (given once with commas, or several times): each
// word a checkpoint folder or file, normalised as Compare's Add checkpoint does (a config.json
// names its folder); empty words and repeats are dropped. Returns {} and sets *error, naming
// the word, when a word is no existing file or folder, or when nothing is named.
QStringList compared_checkpoints(const QStringList& values, QString* error);

// Sets the application name/organisation (QSettings keys), style and fonts.
void configure_application();

// Runs the GUI; returns the process exit code.
int run_gui(int argc, char** argv);

}  // namespace depthscope::ui
