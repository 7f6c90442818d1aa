#pragma once
// The run side of the Compare tab: the run database's runs listed (unticked) in the
// CompareList, following the RunsModel (the one list of runs every view shows), and the
// ticked runs' curves read in the background (RunReader). Drawing them is the panel's: it
// is told through the signals.
#include <cstdint>
#include <vector>

#include <QList>
#include <QObject>
#include <QString>

#include "ui/shared/job_list.h"

class QTimer;

namespace depthscope::ui {

class CompareItems;
class CompareList;
class RunReader;
class RunsModel;
struct RunCurves;

class CompareRuns : public QObject {
  Q_OBJECT
 public:
  CompareRuns(CompareItems* items, CompareList* list, QObject* parent = nullptr);
  ~CompareRuns() override;  // abandons a read in flight

  // The workspace's run database: lists its runs (unticked). An empty path forgets it.
  // Returns false (and says why through status()) when the file cannot be read.
  bool set_database(const QString& path);
  QString database() const { return db_path_; }
  // The runs of the database as the main window's watcher lists them (once per batch): new
  // runs are listed, the rest brought up to date, and the ticked ones read again when they
  // moved on -- the list never waits for Refresh.
  void set_runs(const std::vector<RunJob>& runs);
  // Lists the model's runs while they are this database's (the list stays live), and keeps
  // the current run row and the model's selected run the same, both ways.
  void follow(RunsModel* runs);
  // Ticks / unticks a listed run; the charts follow (the data is read in the background).
  void set_checked(std::int64_t run, bool checked);
  // Ticks these runs, as dropping them from the workspace does (the database is listed again
  // when one is not listed yet). Returns how many were found.
  int add(const QList<qint64>& runs);
  QList<std::int64_t> listed() const;
  QList<std::int64_t> checked() const;
  // Lists the database again, then reads the ticked runs' curves.
  void refresh();
  // Reads the ticked runs' curves again (in the background).
  void read();
  bool busy() const;

 signals:
  // Another database (or none): the list, the charts and the table to redo.
  void database_changed();
  // Runs were listed or brought up to date: their rows' styles and the status to redo.
  void listed_changed();
  // The ticked runs' curves were read into their items.
  void curves_read();
  // The read ended (done, failed or abandoned).
  void finished();
  // A message for the tab's status line ("" clears it).
  void status(const QString& text);
  void log(const QString& message);

 private:
  void apply(const std::vector<RunCurves>& runs);

  CompareItems* items_;
  CompareList* list_;
  RunReader* reader_;
  QTimer* poll_timer_;
  QString db_path_;
  QString error_;  // the last refresh's failure ("" none)
};

}  // namespace depthscope::ui
