// Inspect tab: a removal sweep on a small model fills its bars layer by layer before the
// finished signal; a second run cancelled midway keeps its partial results and the panel
// stays responsive.
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <QComboBox>
#include <qcustomplot.h>

#include "core/model/config.h"
#include "core/runtime/threads.h"
#include "ui/app.h"
#include "ui/chart.h"
#include "ui/chart_export.h"
#include "ui/inspect_panel.h"
#include "ui/job_list.h"
#include "core/session/model_session.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {
constexpr int kLayers = 8;

std::shared_ptr<const ModelSession> small_model() {
  ModelConfig c;
  c.vocab_size = 256;
  c.hidden_size = 64;
  c.intermediate_size = 172;
  c.num_layers = kLayers;
  c.num_heads = 4;
  c.num_kv_heads = 4;
  c.max_position = 256;
  return ModelSession::random(c, 7);
}
}  // namespace

class TestInspectPanel : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    configure_application();
    set_threads(0);
  }

  void sweep_fills_bars_live_then_cancel_keeps_partial() {
    JobList jobs;
    InspectPanel panel(&jobs);
    panel.resize(1200, 800);
    panel.set_session(small_model());
    panel.set_evaluation(2048, 64, 3);

    QList<int> bars_while_running;
    connect(panel.removal_chart(), &QCustomPlot::afterReplot, this, [&] {
      if (panel.running()) bars_while_running << panel.removal_bars()->dataCount();
    });
    QSignalSpy done(&panel, &InspectPanel::finished);
    panel.analyse();
    QVERIFY(done.wait(300000));
    QCOMPARE(done.first().first().toBool(), false);
    QCOMPARE(panel.removal_bars()->dataCount(), kLayers);
    for (int i = 0; i < kLayers; ++i) QCOMPARE(panel.removal_bars()->data()->at(i)->key, double(i + 1));
    bool partial = false;
    for (int n : bars_while_running) partial = partial || (n > 0 && n < kLayers);
    QVERIFY2(partial, "the removal bars never showed a partial sweep while it ran");
    QCOMPARE(panel.variance_chart()->graph(0)->dataCount(), kLayers);
    QCOMPARE(panel.logit_lens_chart()->graph(0)->dataCount(), kLayers);
    QCOMPARE(panel.pruning_graph()->dataCount(), 4);  // step 0 (full model) + 3 removals
    // d(1, 2) is known and in [0, 1].
    const double d12 = panel.angular_map()->data()->cell(0, 0);
    QVERIFY(d12 >= 0 && d12 <= 1);
    QCOMPARE(panel.removal_chart()->csv().rows.size(), kLayers);
    QCOMPARE(panel.angular_chart()->csv().rows.size(), kLayers * (kLayers + 1) / 2);
    // The last-token mode shows the other matrix: every known cell in [0, 1], and not all equal.
    auto* mode = panel.findChild<QComboBox*>();
    QVERIFY(mode != nullptr);
    mode->setCurrentIndex(1);
    bool differs = false;
    for (int k = 0; k < kLayers; ++k)
      for (int n = 0; n + k < kLayers; ++n) {
        const double v = panel.angular_map()->data()->cell(k, n);
        QVERIFY(v >= 0 && v <= 1);
      }
    differs = panel.angular_map()->data()->cell(0, 0) != d12;
    QVERIFY2(differs, "last-token d(1,2) equals the token mean exactly");
    QCOMPARE(panel.angular_chart()->csv().rows.size(), kLayers * (kLayers + 1) / 2);
    mode->setCurrentIndex(0);
    QCOMPARE(panel.angular_map()->data()->cell(0, 0), d12);

    // Second run: cancel as soon as two bars are shown.
    bool cancel_sent = false;
    connect(panel.removal_chart(), &QCustomPlot::afterReplot, this, [&] {
      if (!cancel_sent && panel.running() && panel.removal_bars()->dataCount() >= 2) {
        cancel_sent = true;
        panel.cancel();
      }
    });
    done.clear();
    panel.analyse();
    QVERIFY(done.wait(300000));
    QCOMPARE(done.first().first().toBool(), true);
    const int shown = panel.removal_bars()->dataCount();
    QVERIFY2(shown >= 2 && shown < kLayers, qPrintable(QString("bars after cancel: %1").arg(shown)));
    QCOMPARE(panel.pruning_graph()->dataCount(), 0);
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
    QVERIFY2(export_chart(panel.removal_chart(), dir.filePath("partial.csv"), &error), qPrintable(error));
    QCOMPARE(panel.removal_chart()->csv().rows.size(), shown);
  }
};

QTEST_MAIN(TestInspectPanel)
#include "test_inspect_panel.moc"
