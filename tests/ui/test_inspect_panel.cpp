// Inspect tab: a removal sweep on a small model fills its bars layer by layer before the
// finished signal; a second run cancelled midway keeps its partial results and the panel
// stays responsive. Loading another model mid-run never shows a point of the first one.
#include <QPushButton>
#include <QRegularExpression>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <QComboBox>
#include <QFile>
#include <qcustomplot.h>

#include <cmath>

#include "core/model/config.h"
#include "core/runtime/progress.h"
#include "core/runtime/threads.h"
#include "tests/ui/removal_reference.h"
#include "tests/ui/ui_test_support.h"
#include "ui/shell/app.h"
#include "ui/shared/chart.h"
#include "ui/shared/chart_export.h"
#include "ui/inspect/inspect_charts.h"
#include "ui/inspect/inspect_panel.h"
#include "ui/shared/job_list.h"
#include "core/session/model_session.h"
#include "ui/shared/removal_bars.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {
constexpr int kLayers = 8;

std::shared_ptr<const ModelSession> small_model(int layers = kLayers, std::uint64_t seed = 7) {
  ModelConfig c;
  c.vocab_size = 256;
  c.hidden_size = 64;
  c.intermediate_size = 172;
  c.num_layers = layers;
  c.num_heads = 4;
  c.num_kv_heads = 4;
  c.max_position = 256;
  return ModelSession::random(c, seed);
}

// Every point the charts hold, as "chart key value" lines (exact values).
QStringList chart_points(const InspectPanel& p) {
  QStringList out;
  const auto graph = [&](const char* name, QCPGraph* g) {
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
      out << QString("%1 %2 %3").arg(name).arg(it->key).arg(it->value, 0, 'g', 17);
  };
  graph("variance", p.charts().variance->graph(0));
  graph("logit", p.charts().logit_lens->graph(0));
  graph("pruning", p.charts().pruning_graph);
  for (auto it = p.charts().removal->bars()->data()->constBegin(); it != p.charts().removal->bars()->data()->constEnd(); ++it)
    out << QString("removal %1 %2").arg(it->key).arg(it->value, 0, 'g', 17);
  QCPColorMapData* d = p.charts().angular_map->data();
  for (int k = 0; k < d->keySize(); ++k)
    for (int n = 0; n < d->valueSize(); ++n)
      if (std::isfinite(d->cell(k, n))) out << QString("angular %1 %2 %3").arg(k).arg(n).arg(d->cell(k, n), 0, 'g', 17);
  return out;
}
}  // namespace

class TestInspectPanel : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    set_threads(0);
  }

  // With a multiple-choice set the removal chart switches to Δacc / Δacc_norm with ±1 stderr
  // error bars: the values of the core sweep over the same evaluation set and items.
  void removal_chart_switches_to_accuracy_with_error_bars() {
    QTemporaryDir dir;
    const QString path = dir.filePath("choices.jsonl");
    {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      const char* rows[] = {
          R"({"context": "The cat sat on the", "choices": ["mat", "moon", "idea"], "answer": 0})",
          R"({"context": "One, two,", "choices": ["three", "banana"], "answer": 0})",
          R"({"context": "Salt and", "choices": ["pepper", "granite", "Tuesday"], "answer": 0})",
          R"({"context": "Up and", "choices": ["down", "sideways"], "answer": 0})",
          R"({"context": "Bread and", "choices": ["butter", "bolts"], "answer": 1})",
          R"({"context": "Black and", "choices": ["white", "loud", "seven"], "answer": 0})"};
      for (const char* r : rows) f.write(QByteArray(r) + "\n");
    }
    constexpr int L = 4;
    const auto session = small_model(L);
    InspectPanel panel;
    panel.resize(1200, 800);
    panel.set_session(session);
    panel.set_evaluation(256, 64, 1);
    panel.set_choices_file(path);
    QSignalSpy done(&panel, &InspectPanel::finished);
    panel.analyse();
    QVERIFY(done.wait(300000));
    auto* metric = panel.findChild<QComboBox*>("removal_metric");
    QVERIFY(metric && metric->isEnabled());

    const LayerRemovalSweep ref = test::reference_removal(*session, path, 256, 64);
    panel.set_removal_metric(1);
    const QCPBars* bars = panel.charts().removal->bars();
    const QCPErrorBars* errors = (*panel.charts().removal).error_bars();
    QCOMPARE(bars->dataCount(), L);
    QVERIFY(errors->visible());
    for (int i = 0; i < L; ++i) {
      QCOMPARE(bars->data()->at(i)->value, ref.layers[i].delta_accuracy);
      QCOMPARE(errors->data()->at(i).errorPlus, ref.layers[i].score.acc_stderr);
    }
    QVERIFY(panel.charts().removal_chart->yAxis->label().startsWith("Δacc"));
    const QByteArray shot = qgetenv("DEPTHSCOPE_INSPECT_SCREENSHOT");  // the panel showing Δacc
    if (!shot.isEmpty()) {
      panel.show();
      QVERIFY(QTest::qWaitForWindowExposed(&panel));
      panel.charts().removal_chart->replot(QCustomPlot::rpImmediateRefresh);
      QVERIFY(panel.grab().save(QString::fromLocal8Bit(shot)));
    }
    panel.set_removal_metric(2);
    for (int i = 0; i < L; ++i) {
      QCOMPARE(bars->data()->at(i)->value, ref.layers[i].delta_acc_norm);
      QCOMPARE(errors->data()->at(i).errorPlus, ref.layers[i].score.acc_norm_stderr);
    }
    panel.set_removal_metric(0);
    QVERIFY(!errors->visible());
    QCOMPARE(panel.charts().removal_chart->csv().header.size(), 9);
    QCOMPARE(panel.charts().removal_chart->csv().rows.size(), L);
  }

  // A finished analysis is kept on disk (core/analysis/analysis_cache.h): the same checkpoint,
  // text and settings opened again show it without computing, every point identical; other
  // settings, or Analyse (reuse off), compute; a model with no file is never kept.
  void kept_analysis_is_shown_again_without_computing() {
    const QString model = QDir(QFileInfo(QString(__FILE__)).absolutePath()).filePath("../../resources/examples/lns");
    if (!QFileInfo::exists(model + "/config.json")) QSKIP("resources/examples/lns is missing");
    QTemporaryDir cache;
    const auto session = ModelSession::open(model.toStdString(), RunControl());
    const auto run = [&](InspectPanel& panel, bool reuse) {
      QSignalSpy done(&panel, &InspectPanel::finished);
      panel.analyse(reuse);
      return done.wait(300000);
    };
    InspectPanel first;
    first.set_cache_folder(cache.path());
    first.set_session(session);
    first.set_evaluation(256, 64, 2);
    QVERIFY(run(first, true));  // nothing kept yet: computed
    QVERIFY(!first.reused());
    QCOMPARE(QDir(cache.path()).entryList({"inspect-*.json"}).size(), 1);
    const QStringList computed = chart_points(first);
    QVERIFY(computed.size() > 24 * 3);

    InspectPanel again;  // the checkpoint opened again
    again.set_cache_folder(cache.path());
    again.set_session(session);
    again.set_evaluation(256, 64, 2);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(run(again, true));
    QVERIFY(again.reused());
    QCOMPARE(chart_points(again), computed);
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString("replay took %1 ms").arg(clock.elapsed())));
    QVERIFY(again.findChild<QPushButton*>("analyse")->isEnabled());

    again.set_evaluation(320, 64, 2);  // other settings: computed, and kept beside the first
    QVERIFY(run(again, true));
    QVERIFY(!again.reused());
    QCOMPARE(QDir(cache.path()).entryList({"inspect-*.json"}).size(), 2);
    again.set_evaluation(256, 64, 2);
    QVERIFY(run(again, false));  // Analyse computes even when kept
    QVERIFY(!again.reused());
    QCOMPARE(chart_points(again), computed);

    InspectPanel random;  // no file: never kept
    random.set_cache_folder(cache.path());
    random.set_session(small_model(2));
    random.set_evaluation(256, 64, 1);
    QVERIFY(run(random, true));
    QVERIFY(run(random, true));
    QVERIFY(!random.reused());
    QCOMPARE(QDir(cache.path()).entryList({"inspect-*.json"}).size(), 2);
  }

  void sweep_fills_bars_live_then_cancel_keeps_partial() {
    JobList jobs;
    InspectPanel panel(&jobs);
    panel.resize(1200, 800);
    panel.set_session(small_model());
    panel.set_evaluation(2048, 64, 3);

    QList<int> bars_while_running;
    connect(panel.charts().removal_chart, &QCustomPlot::afterReplot, this, [&] {
      if (panel.running()) bars_while_running << panel.charts().removal->bars()->dataCount();
    });
    QSignalSpy done(&panel, &InspectPanel::finished);
    QStringList logs;
    connect(&panel, &InspectPanel::log, this, [&](const QString& m) { logs << m; });
    panel.analyse();
    QVERIFY(done.wait(300000));
    QCOMPARE(done.first().first().toBool(), false);
    // The estimated peak memory is announced before the analyses run.
    QVERIFY2(logs.join("\n").contains(QRegularExpression("estimated peak memory [0-9.]+ (KiB|MiB)")),
             qPrintable(logs.join("\n")));
    QCOMPARE(panel.charts().removal->bars()->dataCount(), kLayers);
    for (int i = 0; i < kLayers; ++i) QCOMPARE(panel.charts().removal->bars()->data()->at(i)->key, double(i + 1));
    bool partial = false;
    for (int n : bars_while_running) partial = partial || (n > 0 && n < kLayers);
    QVERIFY2(partial, "the removal bars never showed a partial sweep while it ran");
    QCOMPARE(panel.charts().variance->graph(0)->dataCount(), kLayers);
    QCOMPARE(panel.charts().logit_lens->graph(0)->dataCount(), kLayers);
    QCOMPARE(panel.charts().pruning_graph->dataCount(), 4);  // step 0 (full model) + 3 removals
    // d(1, 2) is known and in [0, 1].
    const double d12 = panel.charts().angular_map->data()->cell(0, 0);
    QVERIFY(d12 >= 0 && d12 <= 1);
    QCOMPARE(panel.charts().removal_chart->csv().rows.size(), kLayers);
    QCOMPARE(panel.charts().angular->csv().rows.size(), kLayers * (kLayers + 1) / 2);
    // The last-token mode shows the other matrix: every known cell in [0, 1], and not all equal.
    auto* mode = panel.findChild<QComboBox*>();
    QVERIFY(mode != nullptr);
    mode->setCurrentIndex(1);
    bool differs = false;
    for (int k = 0; k < kLayers; ++k)
      for (int n = 0; n + k < kLayers; ++n) {
        const double v = panel.charts().angular_map->data()->cell(k, n);
        QVERIFY(v >= 0 && v <= 1);
      }
    differs = panel.charts().angular_map->data()->cell(0, 0) != d12;
    QVERIFY2(differs, "last-token d(1,2) equals the token mean exactly");
    QCOMPARE(panel.charts().angular->csv().rows.size(), kLayers * (kLayers + 1) / 2);
    mode->setCurrentIndex(0);
    QCOMPARE(panel.charts().angular_map->data()->cell(0, 0), d12);

    // Second run: cancel as soon as two bars are shown.
    bool cancel_sent = false;
    connect(panel.charts().removal_chart, &QCustomPlot::afterReplot, this, [&] {
      if (!cancel_sent && panel.running() && panel.charts().removal->bars()->dataCount() >= 2) {
        cancel_sent = true;
        panel.cancel();
      }
    });
    done.clear();
    panel.analyse();
    QVERIFY(done.wait(300000));
    QCOMPARE(done.first().first().toBool(), true);
    const int shown = panel.charts().removal->bars()->dataCount();
    QVERIFY2(shown >= 2 && shown < kLayers, qPrintable(QString("bars after cancel: %1").arg(shown)));
    QCOMPARE(panel.charts().pruning_graph->dataCount(), 0);
    QVERIFY(!panel.running());
    QCOMPARE(jobs.jobs().back().status, QString("cancelled"));

    // Responsive: the event loop runs a timer promptly and the partial chart still exports.
    QElapsedTimer clock;
    clock.start();
    bool fired = false;
    QTimer::singleShot(10, this, [&] { fired = true; });
    QTRY_VERIFY_WITH_TIMEOUT(fired, 2000);
    QVERIFY(clock.elapsed() < 2000);
    QVERIFY(panel.findChild<QPushButton*>("analyse")->isEnabled());
    QTemporaryDir dir;
    QString error;
    QVERIFY2(export_chart(panel.charts().removal_chart, dir.filePath("partial.csv"), &error), qPrintable(error));
    QCOMPARE(panel.charts().removal_chart->csv().rows.size(), shown);
  }

  // A new model mid-run: the first model's analysis is abandoned, nothing it computed reaches
  // the new model's charts (not even results already queued), its job ends as cancelled, and
  // the second model's analysis then shows exactly what it shows when run alone.
  void new_model_mid_run_never_shows_the_old_models_results() {
    constexpr int kSmall = 3;  // the second model: 3 layers, so any key above 3 is the first model's
    const auto second = small_model(kSmall, 11);
    QStringList alone;
    {
      InspectPanel ref;
      ref.resize(1200, 800);
      ref.set_session(second);
      ref.set_evaluation(2048, 64, 2);
      QSignalSpy done(&ref, &InspectPanel::finished);
      ref.analyse();
      QVERIFY(done.wait(300000));
      alone = chart_points(ref);
      QVERIFY(alone.size() > 3 * kSmall);
    }

    JobList jobs;
    InspectPanel panel(&jobs);
    panel.resize(1200, 800);
    panel.set_session(small_model());
    panel.set_evaluation(2048, 64, 3);
    QSignalSpy done(&panel, &InspectPanel::finished);
    panel.analyse();
    // Switch as soon as the first model's sweep shows two bars: statistics are drawn, more
    // results of the sweep are being computed or already queued.
    QTRY_VERIFY_WITH_TIMEOUT(panel.charts().removal->bars()->dataCount() >= 2, 300000);
    QVERIFY(panel.running());
    // Keep the GUI thread busy meanwhile so more results of the first model are queued,
    // computed but not yet drawn, when the switch happens.
    QThread::msleep(500);
    panel.set_session(second);
    panel.set_evaluation(2048, 64, 2);
    QVERIFY(!panel.running());
    QCOMPARE(jobs.jobs().front().status, QString("cancelled"));

    // Whatever the abandoned analysis still sends arrives now; none of it may be drawn.
    QStringList leaked;
    bool watching = true;
    const auto check = [&] { if (watching) leaked << chart_points(panel); };
    for (Chart* c : panel.findChildren<Chart*>()) connect(c, &QCustomPlot::afterReplot, this, check);
    QTest::qWait(1500);
    check();
    QVERIFY2(leaked.isEmpty(), qPrintable("points of the first model on the new charts:\n" + leaked.mid(0, 10).join("\n")));
    QCOMPARE(done.count(), 0);  // the abandoned run reports nothing either

    // The second model's own analysis (queued behind the abandoned one) shows exactly its numbers.
    watching = false;
    panel.analyse();
    QVERIFY(done.wait(300000));
    QCOMPARE(done.count(), 1);
    QCOMPARE(done.first().first().toBool(), false);
    QCOMPARE(panel.charts().removal->bars()->dataCount(), kSmall);
    QCOMPARE(chart_points(panel), alone);
    QCOMPARE(jobs.jobs().back().status, QString("finished"));
  }
};

QTEST_MAIN(TestInspectPanel)
#include "test_inspect_panel.moc"
