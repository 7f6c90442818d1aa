// TaskRunner, the one background-work framework of ui/: results arrive in coalesced batches
// before finished(); an abandoned or superseded task reaches nobody (no result, progress or
// finished); cancel(task) of an old task leaves the new one alone; the destructor cancels
// and waits, and nothing is delivered after it.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <QSignalSpy>
#include <QtTest>

#include "core/error.h"
#include "ui/shared/background_task.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Delivers `tag` every few milliseconds until cancelled.
TaskRunner::Work endless(QStringList* seen, const QString& tag, std::atomic<int>* delivered = nullptr) {
  return [seen, tag, delivered](const TaskContext& ctx) {
    for (int i = 0;; ++i) {
      ctx.phase(0, 1, "loop").report(i % 100, 100, "step");
      ctx.deliver([seen, tag] { *seen << tag; });
      if (delivered) ++*delivered;
      sleep_ms(3);
      if (ctx.cancelled()) throw Cancelled();
    }
  };
}

}  // namespace

class TestBackgroundTask : public QObject {
  Q_OBJECT
 private slots:
  void results_arrive_in_batches_before_finished() {
    TaskRunner runner;
    QStringList seen;
    int batches = 0;
    bool finished_after_all = false;
    connect(&runner, &TaskRunner::updated, this, [&] { ++batches; });
    connect(&runner, &TaskRunner::finished, this, [&](int, bool cancelled, double) {
      finished_after_all = !cancelled && seen.size() == 50;
    });
    QSignalSpy done(&runner, &TaskRunner::finished);
    runner.start([&seen](const TaskContext& ctx) {
      for (int i = 0; i < 50; ++i) {
        ctx.deliver([&seen, i] { seen << QString::number(i); });
        sleep_ms(2);
      }
    });
    QVERIFY(runner.running());
    QVERIFY(done.wait(10000));
    QVERIFY(finished_after_all);
    for (int i = 0; i < 50; ++i) QCOMPARE(seen[i], QString::number(i));
    // ~100 ms of work in ~40 ms batches: coalesced, not one replot per result.
    QVERIFY2(batches >= 1 && batches < 25, qPrintable(QString("batches: %1").arg(batches)));
    QVERIFY(!runner.running());
  }

  void abandoned_task_reaches_nobody() {
    TaskRunner runner;
    QStringList seen;
    std::atomic<int> delivered_a{0};
    QList<int> finished_tasks, progress_tasks;
    connect(&runner, &TaskRunner::finished, this, [&](int task, bool, double) { finished_tasks << task; });
    connect(&runner, &TaskRunner::progress, this, [&](int task, double, double, const QString&) { progress_tasks << task; });
    const int a = runner.start(endless(&seen, "a", &delivered_a));
    QTRY_VERIFY_WITH_TIMEOUT(seen.size() >= 3, 10000);
    runner.abandon();
    QVERIFY(!runner.running());
    const int shown = seen.size();
    const int sent = delivered_a.load();
    progress_tasks.clear();
    QTest::qWait(300);  // the task's queued results, progress and finished arrive now
    QCOMPARE(seen.size(), shown);
    QVERIFY(progress_tasks.isEmpty());
    QVERIFY(finished_tasks.isEmpty());
    QVERIFY2(sent >= shown, "the test needs results queued after the last batch it saw");

    // The next task runs after it, and only its own output arrives.
    QSignalSpy done(&runner, &TaskRunner::finished);
    const int b = runner.start([&seen](const TaskContext& ctx) { ctx.deliver([&seen] { seen << "b"; }); });
    QVERIFY(b != a);
    QVERIFY(done.wait(10000));
    QCOMPARE(finished_tasks, QList<int>{b});
    QCOMPARE(seen.mid(shown), QStringList{"b"});
  }

  void cancel_of_an_old_task_leaves_the_new_one_running() {
    TaskRunner runner;
    QStringList seen;
    const int a = runner.start(endless(&seen, "a"));
    const int b = runner.start(endless(&seen, "b"));
    runner.cancel(a);  // a stale cancel button (a finished job in the Jobs list)
    QTRY_VERIFY_WITH_TIMEOUT(seen.contains("b"), 10000);
    QVERIFY(runner.running());
    QSignalSpy done(&runner, &TaskRunner::finished);
    runner.cancel(b);
    QVERIFY(done.wait(10000));
    QCOMPARE(done.first().at(0).toInt(), b);
    QCOMPARE(done.first().at(1).toBool(), true);
  }

  void destructor_cancels_and_waits() {
    auto* runner = new TaskRunner;
    QStringList seen;
    auto exited = std::make_shared<std::atomic<bool>>(false);
    runner->start([exited, &seen](const TaskContext& ctx) {
      while (!ctx.cancelled()) {
        ctx.deliver([&seen] { seen << "x"; });
        sleep_ms(3);
      }
      sleep_ms(50);  // slow to stop: the destructor must still wait for it
      exited->store(true);
    });
    QTRY_VERIFY_WITH_TIMEOUT(!seen.isEmpty(), 10000);
    delete runner;
    QVERIFY(exited->load());
    const int shown = seen.size();
    QTest::qWait(200);
    QCOMPARE(seen.size(), shown);  // nothing delivered once the runner is gone
  }
};

QTEST_MAIN(TestBackgroundTask)
#include "test_background_task.moc"
