#include "ui/shell/app.h"

#include <cstdio>
#include <exception>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStyleFactory>

#include "core/runtime/malloc_policy.h"
#include "core/runtime/threads.h"
#include "core/version.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_item.h"
#include "ui/compare/compare_panel.h"
#include "ui/compare/compare_runs.h"
#include "ui/shell/checkpoint_opener.h"
#include "ui/shell/main_window.h"
#include "ui/shell/presenter_mode.h"
#include "ui/shell/window_runs.h"
#include "ui/shell/theme.h"
#include "ui/tour/tour_panel.h"

namespace depthscope::ui {

int requested_threads(const QString& cli_value, const QString& env_value, QString* error) {
  const QString& text = !cli_value.isEmpty() ? cli_value : env_value;
  if (text.isEmpty()) return 0;
  bool ok = false;
  const int n = text.trimmed().toInt(&ok);
  if (!ok || n < 0) {
    if (error) {
      *error = QString("%1 must be a whole number of threads (0 = all cores), got '%2'")
                   .arg(!cli_value.isEmpty() ? "--threads" : "DEPTHSCOPE_THREADS", text);
    }
    return -1;
  }
  return n;
}

QStringList compared_checkpoints(const QStringList& values, QString* error) {
  QStringList out;
  for (const QString& value : values)
    for (const QString& part : value.split(',')) {
      const QString word = part.trimmed();
      if (word.isEmpty()) continue;
      const QString path = normalise_checkpoint(word);
      if (path.isEmpty()) {
        if (error) *error = QString("--compare-checkpoints: no checkpoint file or folder at '%1'").arg(word);
        return {};
      }
      if (!out.contains(path)) out << path;
    }
  if (out.isEmpty() && error) *error = "--compare-checkpoints takes checkpoint paths separated by commas, got none";
  return out;
}

void configure_application() {
  QCoreApplication::setOrganizationName("DepthScope");
  QCoreApplication::setApplicationName("DepthScope");
  QCoreApplication::setApplicationVersion(DEPTHSCOPE_VERSION);
  if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);
  QFont font = QApplication::font();
  font.setPointSizeF(10);
  QApplication::setFont(font);
}

int run_gui(int argc, char** argv) {
  // The GUI stays open while models are opened and closed: blocks past 256 MiB go back to the
  // system when freed (core/runtime/malloc_policy.h).
  apply_malloc_policy(MallocPolicy::bounded);
  QApplication app(argc, argv);
  configure_application();

  QCommandLineParser parser;
  parser.setApplicationDescription("DepthScope: a desktop lab for the Curse of Depth in LLMs.");
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption screenshot_opt(
      "screenshot", "Render the main window once the default work is done, write it as a PNG to FILE and exit.",
      "FILE");
  const QCommandLineOption threads_opt(
      "threads", "Worker threads for LibTorch (default: all cores; env DEPTHSCOPE_THREADS).", "N");
  const QCommandLineOption tab_opt(
      "tab", "With --screenshot: the tab to show, by name: glance, inspect, train, compare, tour (a tab registered "
             "with the object name tab_<NAME>).", "NAME");
  const QCommandLineOption db_opt(
      "db", "Follow this run database for this session (default: the workspace's, File > Open run database…).", "PATH");
  parser.addOption(screenshot_opt);
  parser.addOption(tab_opt);
  const QCommandLineOption tour_step_opt("tour-step", "With --tab tour: show step N (1..7) of the tour.", "N");
  parser.addOption(tour_step_opt);
  parser.addOption(db_opt);
  const QCommandLineOption compare_opt(
      "compare", "Tick these runs of the run database in Compare (ids, comma-separated: 1,2,5).", "RUNS");
  parser.addOption(compare_opt);
  const QCommandLineOption compare_checkpoints_opt(
      "compare-checkpoints",
      "Add these checkpoints (folders or files, comma-separated: a,b,c) to Compare, side by side.", "PATHS");
  parser.addOption(compare_checkpoints_opt);
  parser.addOption(threads_opt);
  const QCommandLineOption theme_opt(
      "theme", "system (follow the desktop; the default), light or dark (env DEPTHSCOPE_THEME; View > Theme).", "NAME");
  parser.addOption(theme_opt);
  parser.addPositionalArgument("path", "A checkpoint file or folder to open.", "[path]");
  parser.process(app);

  QString error;
  const int n = requested_threads(parser.value(threads_opt), qEnvironmentVariable("DEPTHSCOPE_THREADS"), &error);
  if (n < 0) {
    std::fprintf(stderr, "depthscope: %s\n", qPrintable(error));
    return 2;
  }
  try {
    set_threads(n);
  } catch (const std::exception& e) {  // an unknown DEPTHSCOPE_CPU_ISA
    std::fprintf(stderr, "depthscope: %s\n", e.what());
    return 2;
  }

  // --theme, else DEPTHSCOPE_THEME, else the choice remembered from View > Theme, else the system.
  QString theme_text = parser.value(theme_opt);
  if (theme_text.isEmpty()) theme_text = qEnvironmentVariable("DEPTHSCOPE_THEME");
  if (theme_text.isEmpty()) theme_text = QSettings().value("appearance/theme", "system").toString();
  Theme theme = Theme::system;
  if (!parse_theme(theme_text, &theme)) {
    std::fprintf(stderr, "depthscope: --theme must be system, light or dark, got '%s'\n", qPrintable(theme_text));
    return 2;
  }
  apply_theme(theme);

  const QString screenshot = parser.value(screenshot_opt);
  if (!screenshot.isEmpty()) {
    const QFileInfo info(screenshot);
    if (!info.absoluteDir().exists()) {
      std::fprintf(stderr, "depthscope: cannot write the screenshot to %s: folder %s does not exist\n",
                   qPrintable(screenshot), qPrintable(info.absolutePath()));
      return 1;
    }
  }

  QList<qint64> compared;
  for (const QString& word : parser.value(compare_opt).split(',', Qt::SkipEmptyParts)) {
    bool ok = false;
    compared << word.trimmed().toLongLong(&ok);
    if (!ok || compared.back() <= 0) {
      std::fprintf(stderr, "depthscope: --compare takes run ids separated by commas, got '%s'\n",
                   qPrintable(parser.value(compare_opt)));
      return 2;
    }
  }

  QStringList checkpoints;
  if (parser.isSet(compare_checkpoints_opt)) {
    checkpoints = compared_checkpoints(parser.values(compare_checkpoints_opt), &error);
    if (checkpoints.isEmpty()) {
      std::fprintf(stderr, "depthscope: %s\n", qPrintable(error));
      return 2;
    }
  }

  MainWindow window;
  if (parser.isSet(db_opt)) window.parts().run_database->set_database(parser.value(db_opt), false);
  if (!compared.isEmpty()) window.parts().compare->runs()->add(compared);
  for (const QString& path : checkpoints) window.parts().compare->checkpoints()->add(path);
  window.show();
  for (const QString& path : parser.positionalArguments()) window.open_path(path);

  if (!screenshot.isEmpty()) {
    QObject::connect(&window, &MainWindow::screenshot_written, &app, [&app](bool ok, const QString& message) {
      if (ok) {
        std::printf("depthscope: screenshot written to %s\n", qPrintable(message));
      } else {
        std::fprintf(stderr, "depthscope: %s\n", qPrintable(message));
      }
      app.exit(ok ? 0 : 1);
    });
    if (parser.isSet(tour_step_opt)) window.parts().tour->go_to(parser.value(tour_step_opt).toInt());
    window.screenshot_when_ready(screenshot, parser.value(tab_opt));
  }
  return app.exec();
}

}  // namespace depthscope::ui
