// Train tab and Jobs dock (issue 10): a tiny Pre-LN / LNS pair started from the New experiment
// dialog trains in depthscope-cli processes while both loss curves gain points; the GUI thread
// never stalls (timer-lag probe, with an Inspect removal sweep beside it); stopping one run
// shows `stopped` in the Jobs dock; a new main window re-attaches to the run still training.
// Every training process this test starts is stopped (or killed) before it ends.
#include <csignal>
#include <cmath>
#include <ctime>

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QFile>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>
#include <qcustomplot.h>

#include "core/model/config.h"
#include "core/runtime/threads.h"
#include "tests/ui/ui_test_support.h"
#include "core/session/model_session.h"
#include "core/store/run_db.h"
#include "core/store/run_records.h"
#include "core/train/train_spec.h"
#include "ui/inspect/inspect_charts.h"
#include "ui/inspect/inspect_panel.h"
#include "ui/shared/removal_bars.h"
#include "ui/shared/job_list.h"
#include "ui/shared/jobs_panel.h"
#include "ui/train/runs_model.h"
#include "ui/train/train_charts.h"
#include "ui/shared/log_panel.h"
#include "ui/shared/workspace_browser.h"
#include "ui/shell/app.h"
#include "ui/shell/checkpoint_opener.h"
#include "ui/shell/main_window.h"
#include "ui/shell/presenter_mode.h"
#include "ui/shell/window_runs.h"
#include "ui/train/job_actions.h"
#include "ui/train/new_experiment_dialog.h"
#include "ui/train/run_watcher.h"
#include "ui/train/smoothing.h"
#include "ui/train/train_panel.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {

const std::string kLoss = "train/loss";

// A small text of varied sentences (no external corpus needed): ~120 KB.
void write_text(const QString& path) {
  const char* subjects[] = {"the model", "a layer", "the residual stream", "every block", "our optimiser", "the norm"};
  const char* verbs[] = {"grows", "shrinks", "learns", "forgets", "scales", "drifts", "settles"};
  const char* objects[] = {"with depth", "after warmup", "in the last layers", "under LNS", "without clipping", "slowly"};
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  std::uint32_t x = 12345;
  for (int i = 0; i < 3000; ++i) {
    x = x * 1664525u + 1013904223u;
    f.write(QString("%1 %2 %3.\n").arg(subjects[(x >> 8) % 6], verbs[(x >> 12) % 7], objects[(x >> 16) % 6]).toUtf8());
    if (i % 7 == 6) f.write("\n");
  }
}

// CPU time of the calling thread, in ms: what the GUI thread itself spent, as opposed to the
// time the OS did not run it on a loaded machine.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Lag {
  qint64 worst_ms = 0;      // the longest wait beyond the 10 ms period (wall clock)
  double worst_busy_ms = 0; // the most CPU time the GUI thread spent between two ticks
  int ticks = 0;
};

std::vector<store::RunRecord> list_runs(const QString& db) {
  store::StoreOptions o;
  o.reap_on_open = false;
  store::RunDb d(db.toStdString(), o);
  return d.list_runs();
}

}  // namespace

class TestTrainPanel : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_;
  qint64 experiment_ = 0;
  QList<qint64> runs_;

  // Waits up to `ms` for `pred`, processing events.
  template <class F>
  bool wait_for(F pred, int ms) {
    QElapsedTimer t;
    t.start();
    while (!pred()) {
      if (t.elapsed() > ms) return false;
      QTest::qWait(50);
    }
    return true;
  }

  void kill_everything() {
    if (db_.isEmpty() || !QFile::exists(db_)) return;
    for (int round = 0; round < 2; ++round) {
      bool alive = false;
      for (const store::RunRecord& r : list_runs(db_)) {
        if (store::is_terminal(r.status) || !r.pid || *r.pid <= 0) continue;
        if (::kill(static_cast<pid_t>(*r.pid), 0) != 0) continue;
        alive = true;
        ::kill(static_cast<pid_t>(*r.pid), round == 0 ? SIGTERM : SIGKILL);
      }
      if (!alive) return;
      QTest::qWait(3000);
    }
  }

 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    QSettings().clear();
    set_threads(1);
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("runs.sqlite");
  }

  void cleanupTestCase() { kill_everything(); }

  void smoothing_is_tensorboards_debiased_ema() {
    std::vector<store::SeriesPoint> pts{{1, 1.0}, {2, 2.0}, {3, std::nan("")}, {4, INFINITY}, {5, 4.0}};
    const auto raw = debiased_ema(pts, 0.0);
    QCOMPARE(raw.size(), std::size_t(3));  // NaN and Inf skipped
    QCOMPARE(raw[1].value, 2.0);
    const auto s = debiased_ema(pts, 0.5);
    QCOMPARE(s[0].value, 1.0);                      // debiased: the first point is itself
    QVERIFY(std::abs(s[1].value - 1.25 / 0.75) < 1e-12);
    // Third finite point: last = 1.25 * 0.5 + 0.5 * 4 = 2.625; debias 1 - 0.125.
    QVERIFY(std::abs(s[2].value - 2.625 / 0.875) < 1e-12);
    QCOMPARE(s[2].step, 5.0);
  }

  void dialog_shows_estimates_and_refuses_bad_input() {
    NewExperimentDialog d;
    // Defaults: Pre-LN and LNS ticked, the Debian texts with bytes.
    QString error;
    auto spec = d.spec(&error);
    QVERIFY2(spec, qPrintable(error));
    QCOMPARE(spec->schemes.size(), std::size_t(2));
    QCOMPARE(spec->schemes[0], NormScheme::pre);
    QCOMPARE(spec->schemes[1], NormScheme::lns);
    QCOMPARE(spec->corpus_text.tokenizer, std::string("bytes"));
    QVERIFY(spec->corpus_text.text_files.empty());
    d.set_dimensions(2, 32, 2);
    d.set_training(300, 2, 16, 0.001, 1);
    const auto e = d.estimate();
    QVERIFY(e);
    QCOMPARE(e->runs, 2);
    QVERIFY(e->parameters > 0);
    QCOMPARE(e->adam_bytes, 2 * e->param_bytes);
    QVERIFY(e->activation_bytes > 0 && e->disk_bytes == 2 * e->checkpoint_bytes);
    QVERIFY(e->seconds_per_run > 0);
    QVERIFY2(d.estimate_text().contains("Memory") && d.estimate_text().contains("Adam") &&
                 d.estimate_text().contains("Disk") && d.estimate_text().contains("rule"),
             qPrintable(d.estimate_text()));
    auto* ok = d.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    QVERIFY(ok->isEnabled());
    // heads that do not divide d_model: refused, with the reason shown.
    d.set_dimensions(2, 30, 4);
    QVERIFY(!ok->isEnabled());
    QVERIFY2(!d.error_text().isEmpty(), "no error shown");
    d.set_dimensions(2, 32, 2);
    d.set_schemes({});
    QVERIFY(!ok->isEnabled());
    QVERIFY(d.error_text().contains("scheme"));
  }

  // Every scheme has its box, labelled with its display name, and the GPAS add-on goes into
  // the spec. DEPTHSCOPE_DIALOG_SCREENSHOT=FILE writes the dialog as a PNG.
  void dialog_lists_every_scheme_and_the_gpas_add_on() {
    NewExperimentDialog d;
    for (NormScheme s : all_norm_schemes()) {
      auto* box = d.findChild<QCheckBox*>(QString::fromStdString("scheme_" + to_string(s)));
      QVERIFY2(box, to_string(s).c_str());
      QCOMPARE(box->text(), QString::fromStdString(display_name(s)));
    }
    d.set_schemes({NormScheme::peri, NormScheme::dyt, NormScheme::hybrid_star});
    d.findChild<QCheckBox*>("exp_gpas")->setChecked(true);
    QString error;
    auto spec = d.spec(&error);
    QVERIFY2(spec, qPrintable(error));
    QCOMPARE(spec->schemes.size(), std::size_t(3));
    QCOMPARE(spec->schemes[2], NormScheme::hybrid_star);
    QVERIFY(spec->gpas);
    QCOMPARE(spec->run_scheme(NormScheme::dyt), std::string("dyt+gpas"));
    const QByteArray shot = qgetenv("DEPTHSCOPE_DIALOG_SCREENSHOT");
    if (!shot.isEmpty()) {
      d.set_schemes(all_norm_schemes());
      d.show();
      QApplication::processEvents();
      QVERIFY(d.grab().save(QString::fromLocal8Bit(shot)));
    }
  }

  void tiny_pair_streams_live_and_the_gui_stays_responsive() {
    const QString text = dir_.filePath("tiny.txt");
    write_text(text);
    MainWindow window(false);
    window.parts().run_database->set_cli_path(DEPTHSCOPE_CLI);
    window.parts().run_database->set_database(db_, true);
    window.parts().run_watcher->set_interval(200);
    window.show();
    QCOMPARE(window.parts().tabs->currentWidget()->objectName(), QString("tab_glance"));
    // No run yet: the residual-variance heatmap draws nothing (its message says why), not
    // QCustomPlot's initial 10 x 10 zeros as one solid block.
    QVERIFY(!window.parts().train->charts().heatmap->visible());

    NewExperimentDialog* dialog = window.parts().run_database->new_experiment_dialog();
    QVERIFY(dialog);
    dialog->set_name("tiny pair");
    dialog->set_dimensions(2, 32, 2);
    dialog->set_text_corpus({text}, "bytes");
    dialog->set_schemes({NormScheme::pre, NormScheme::lns});
    dialog->set_training(200000, 2, 16, 0.001, 1);  // stopped long before the end
    dialog->set_parallel(2);                        // both schemes train at once
    QVERIFY2(dialog->acceptable(), qPrintable(dialog->error_text()));
    QSignalSpy launched(window.parts().job_actions, &JobActions::launched);
    dialog->accept();
    QVERIFY(launched.wait(120000));
    experiment_ = launched.first().at(0).toLongLong();
    runs_ = launched.first().at(1).value<QList<qint64>>();
    QCOMPARE(runs_.size(), 2);
    // The spec was written beside the database.
    QVERIFY(launched.first().at(2).toString().startsWith(dir_.filePath("specs/")));
    QVERIFY(QFile::exists(launched.first().at(2).toString()));

    TrainPanel* train = window.parts().train;
    QVERIFY(wait_for([&] { return train->experiment() == experiment_; }, 30000));
    QCOMPARE(window.parts().tabs->currentWidget(), static_cast<QWidget*>(train));
    // Both curves gain points while both runs train.
    QVERIFY2(wait_for([&] { return train->points(runs_[0], kLoss) > 50 && train->points(runs_[1], kLoss) > 50; }, 120000),
             "the loss curves never got points");
    const int a0 = train->graph(runs_[0], kLoss, false)->dataCount();
    const int b0 = train->graph(runs_[1], kLoss, false)->dataCount();
    QVERIFY(wait_for([&] {
      return train->graph(runs_[0], kLoss, false)->dataCount() > a0 + 50 &&
             train->graph(runs_[1], kLoss, false)->dataCount() > b0 + 50;
    }, 60000));
    QVERIFY(train->graph(runs_[0], kLoss, true)->dataCount() > 0);
    QVERIFY2(wait_for([&] { return train->charts().heatmap->visible() && train->charts().heatmap->data()->valueSize() > 1; }, 60000),
             "the heatmap never showed the layer metrics");
    QCOMPARE(window.parts().runs->find(runs_[0])->run.status, store::RunStatus::running);
    QCOMPARE(window.parts().runs->find(runs_[1])->run.status, store::RunStatus::running);
    QVERIFY(window.parts().workspace->run_item(runs_[0]) != nullptr);

    // Timer-lag probe: a 10 ms timer on the GUI thread, first while both runs stream metrics,
    // then with an Inspect removal sweep running beside them.
    const auto probe_lag = [&](int ms) {
      Lag lag;
      QElapsedTimer clock;
      clock.start();
      qint64 last = 0;
      double last_cpu = thread_cpu_ms();
      QTimer probe;
      probe.setTimerType(Qt::PreciseTimer);
      probe.setInterval(10);
      connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        const double cpu = thread_cpu_ms();
        lag.worst_ms = std::max(lag.worst_ms, now - last - 10);
        lag.worst_busy_ms = std::max(lag.worst_busy_ms, cpu - last_cpu);
        last = now;
        last_cpu = cpu;
        ++lag.ticks;
      });
      probe.start();
      QTest::qWait(ms);
      probe.stop();
      return lag;
    };
    const int replots0 = train->replot_stats().count;
    const int points0 = train->points(runs_[0], kLoss);
    // A window in which another process on the machine (a parallel test, a build) held both cores
    // is measured once more: the bound is on DepthScope's own stalls.
    const auto probe_twice = [&](const char* what) {
      Lag lag = probe_lag(6000);
      if (lag.worst_ms >= 100) {
        qInfo("%s: worst lag %lld ms in the first 6 s window; measuring another", what, lag.worst_ms);
        lag = probe_lag(6000);
      }
      return lag;
    };
    const Lag stream = probe_twice("streaming");
    JobList local_jobs;
    InspectPanel inspect(&local_jobs);
    ModelConfig c;
    c.vocab_size = 256;
    c.hidden_size = 64;
    c.intermediate_size = 172;
    c.num_layers = 8;
    c.num_heads = 4;
    c.num_kv_heads = 4;
    c.max_position = 256;
    inspect.set_session(ModelSession::random(c, 7));
    inspect.set_evaluation(2048, 64, 3);
    inspect.resize(1200, 800);
    inspect.analyse();
    const Lag sweep = probe_twice("streaming + removal sweep");
    const bool sweep_ran = inspect.running() || inspect.charts().removal->bars()->dataCount() > 0;
    inspect.cancel();
    const int replots = train->replot_stats().count - replots0;
    qInfo("GUI timer-lag probe (10 ms timer): while 2 runs stream metrics, worst lag %lld ms (GUI thread busy at most "
          "%.1f ms between ticks) over %d ticks; with an Inspect removal sweep beside them, worst lag %lld ms (busy at "
          "most %.1f ms) over %d ticks (sweep ran: %s). %d replots, worst replot %.1f ms; worst poll %.1f ms (on the "
          "watcher's thread); run %lld at %d loss points",
          stream.worst_ms, stream.worst_busy_ms, stream.ticks, sweep.worst_ms, sweep.worst_busy_ms, sweep.ticks,
          sweep_ran ? "yes" : "no", replots,
          train->replot_stats().worst_ms, window.parts().run_watcher->worst_query_ms(), runs_[0], train->points(runs_[0], kLoss));
    QVERIFY(replots > 5);
    QVERIFY(train->points(runs_[0], kLoss) > points0);
    // The GUI thread's own work between two ticks, and the wall-clock time between them, stay under
    // 100 ms: training processes run niced in their own scheduling group and the sweep's thread at
    // a lower priority than the GUI thread (jobs' kDefaultJobNice, TaskRunner's kBackgroundNice).
    const double busy = std::max(stream.worst_busy_ms, sweep.worst_busy_ms);
    const qint64 worst = std::max(stream.worst_ms, sweep.worst_ms);

    // Stop the first run from the Jobs dock: it shows `stopped`.
    JobsPanel* dock = window.parts().jobs_panel;
    dock->select_run(runs_[0]);
    QCOMPARE(dock->selected_run().value_or(-1), runs_[0]);
    dock->stop_selected();
    QVERIFY2(wait_for([&] {
      const int row = dock->row_of_run(runs_[0]);
      return row >= 0 && dock->cell_text(row, JobsPanel::kStatus).startsWith("stopped");
    }, 60000), "run never showed stopped in the Jobs dock");
    QVERIFY(dock->cell_text(dock->row_of_run(runs_[1]), JobsPanel::kStatus).startsWith("running"));
    window.close();  // saves the workspace (database, geometry, runs still active)
    QVERIFY2(busy < 100, qPrintable(QString("the GUI thread was busy for %1 ms between two ticks").arg(busy)));
    QVERIFY2(worst < 100, qPrintable(QString("the GUI thread waited %1 ms between two ticks").arg(worst)));
  }

  void a_new_window_reattaches_to_the_running_job() {
    QVERIFY(!runs_.isEmpty());
    MainWindow window(false);  // the database comes from the settings
    window.parts().run_database->set_cli_path(DEPTHSCOPE_CLI);
    window.parts().run_watcher->set_interval(200);
    window.show();
    QVERIFY(wait_for([&] { return window.parts().run_database->database() == db_; }, 5000));
    TrainPanel* train = window.parts().train;
    QVERIFY(wait_for([&] { return train->experiment() == experiment_; }, 30000));
    QVERIFY(wait_for([&] { return train->points(runs_[1], kLoss) > 0; }, 30000));
    const int n = train->graph(runs_[1], kLoss, false)->dataCount();
    QVERIFY2(wait_for([&] { return train->graph(runs_[1], kLoss, false)->dataCount() > n + 50; }, 60000),
             "the running job's curve stopped growing after re-attaching");
    QCOMPARE(window.parts().runs->find(runs_[0])->run.status, store::RunStatus::stopped);
    // The stopped run keeps its curve.
    QVERIFY(train->points(runs_[0], kLoss) > 50);
    // Stop the other one through the Run menu path (experiment-wide) and see both ended.
    train->stop_experiment();
    QVERIFY(wait_for([&] {
      const RunJob* r = window.parts().runs->find(runs_[1]);
      return r && r->run.status == store::RunStatus::stopped;
    }, 60000));
    window.close();
  }

  void a_run_that_ended_while_closed_is_reported() {
    // Run 1 was recorded as active at the last close only if it was running; run 2 stopped
    // while the second window was open, so nothing is reported, and the log says which database.
    QSettings().setValue("workspace/active_runs", QStringList{QString::number(runs_[1])});
    MainWindow window(false);
    QVERIFY(wait_for([&] { return window.parts().runs->runs().size() == 2; }, 30000));
    QVERIFY2(window.parts().log_panel->text().contains(QString("Run %1").arg(runs_[1])) &&
                 window.parts().log_panel->text().contains("ended while DepthScope was closed"),
             qPrintable(window.parts().log_panel->text()));
  }
};

QTEST_MAIN(TestTrainPanel)
#include "test_train_panel.moc"
