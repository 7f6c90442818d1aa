#include "ui/tour/examples.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace depthscope::ui {
namespace {

QString folder_name(const QString& scheme) {
  const QString s = scheme.trimmed().toLower();
  if (s == "pre" || s == "pre-ln" || s == "preln") return "pre-ln";
  if (s == "lns" || s == "pre-ln+lns") return "lns";
  return QString();
}

// resources/examples of the source tree: this file is <src>/ui/tour/examples.cpp.
QString source_tree_examples() {
  QFileInfo self(QString::fromUtf8(__FILE__));
  if (!self.isAbsolute()) return QString();
  QDir root = self.absoluteDir();  // <src>/ui/tour
  if (!root.cdUp() || !root.cdUp()) return QString();
  return root.filePath("resources/examples");
}

}  // namespace

QStringList example_schemes() { return {"pre", "lns"}; }

QStringList example_search_dirs() {
  QStringList dirs;
  const QByteArray env = qgetenv("DEPTHSCOPE_EXAMPLES");
  if (!env.isEmpty()) dirs << QString::fromLocal8Bit(env);
  const QString exe_dir = QCoreApplication::instance() ? QCoreApplication::applicationDirPath() : QString();
  if (!exe_dir.isEmpty()) dirs << QDir(exe_dir).filePath("../share/depthscope/examples");
  const QString src = source_tree_examples();
  if (!src.isEmpty()) dirs << src;
  if (!exe_dir.isEmpty()) {
    dirs << QDir(exe_dir).filePath("../resources/examples");
    dirs << QDir(exe_dir).filePath("../../resources/examples");
  }
  for (QString& d : dirs) d = QDir::cleanPath(d);
  dirs.removeDuplicates();
  return dirs;
}

QString example_path(const QString& scheme) {
  const QString name = folder_name(scheme);
  if (name.isEmpty()) return QString();
  for (const QString& dir : example_search_dirs()) {
    const QDir d(QDir(dir).filePath(name));
    if (QFileInfo(d.filePath("config.json")).isFile() && QFileInfo(d.filePath("model.safetensors")).isFile())
      return d.absolutePath();
  }
  return QString();
}

}  // namespace depthscope::ui
