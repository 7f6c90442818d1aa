// RunWatcher (ui/train/run_watcher.h): a running run's step in a batch is its newest metric
// step, not the runs table's step (the heartbeat writes that every 2 s): the Jobs dock's
// "17/60" matches the 17 steps the charts draw. A run that is not running keeps its row's step.
#include <unistd.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "core/store/metric_writer.h"
#include "core/store/run_db.h"
#include "tests/ui/ui_test_support.h"
#include "ui/shell/app.h"
#include "ui/train/run_watcher.h"

using namespace depthscope;
using namespace depthscope::ui;

class TestRunWatcher : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
  }

  void a_running_runs_step_is_its_newest_metric_step() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("runs.sqlite").toStdString();
    std::int64_t running = 0, stopped = 0;
    {
      store::RunDb db(path);
      store::NewRun r;
      r.name = "pre";
      r.scheme = "pre";
      r.steps = 60;
      running = db.create_run(r);
      stopped = db.create_run(r);
      db.mark_running(running, getpid(), "localhost");  // this process: alive, not reaped
      db.set_status(stopped, store::RunStatus::stopped);
      store::MetricWriter w(path);
      for (int step = 1; step <= 17; ++step) {
        w.log(running, "train/loss", step, 5.0 - 0.1 * step);
        w.log(stopped, "train/loss", step, 5.0);
      }
      w.flush();
    }
    RunWatcher watcher;
    QSignalSpy batches(&watcher, &RunWatcher::batch_ready);
    watcher.set_database(QString::fromStdString(path));
    watcher.poll_now();
    QVERIFY(batches.wait(10000));
    const auto batch = batches.last().at(0).value<WatchBatch>();
    QCOMPARE(batch.runs.size(), std::size_t(2));
    for (const RunJob& j : batch.runs) {
      if (j.run.id == running) QCOMPARE(j.run.step, std::int64_t(17));  // the row still says 0
      if (j.run.id == stopped) QCOMPARE(j.run.step, std::int64_t(0));
    }
  }
};

QTEST_MAIN(TestRunWatcher)
#include "test_run_watcher.moc"
