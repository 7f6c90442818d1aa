// Seeds in the Compare tab: six runs of one experiment (3 seeds x Pre-LN/LNS), written straight
// into a run database, are drawn as two mean curves with a shaded +-1 sd band each; the legend
// says which band and n; the crosshair reads the means, not the band edges; a click inside a
// band shows its three single runs, a second click hides them; the seeds table gives the
// pair's p-values; the Train tab draws the same bands. DEPTHSCOPE_SEEDS_SCREENSHOT=FILE and
// DEPTHSCOPE_SEEDS_TRAIN_SCREENSHOT=FILE save the Compare panel and the window.
#include <QImage>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <qcustomplot.h>

#include <cmath>

#include "core/runtime/threads.h"
#include "core/store/metric_writer.h"
#include "core/store/run_db.h"
#include "tests/ui/ui_test_support.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_controls.h"
#include "ui/compare/compare_panel.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/comparison_exporter.h"
#include "ui/compare/run_comparison_view.h"
#include "ui/compare/checkpoint_grid.h"
#include "ui/compare/seed_statistics_model.h"
#include "ui/shared/chart.h"
#include "ui/shared/crosshair.h"
#include "ui/shared/palette.h"
#include "ui/shell/app.h"
#include "ui/shell/checkpoint_opener.h"
#include "ui/shell/main_window.h"
#include "ui/shell/presenter_mode.h"
#include "ui/shell/window_runs.h"
#include "ui/train/run_watcher.h"
#include "ui/train/train_charts.h"
#include "ui/train/train_panel.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {

constexpr int kSteps = 40, kLayers = 4, kSeeds = 3;

// Pre-LN above LNS; each seed shifts the curve by a different amount.
double loss_value(int scheme, int seed, int step) {
  return (scheme == 0 ? 2.6 : 2.1) + 3.0 * std::exp(-step / 12.0) + 0.25 * (seed - 2) + 0.03 * std::sin(step + seed);
}

double mean_loss(int scheme, int step) {
  double s = 0;
  for (int seed = 1; seed <= kSeeds; ++seed) s += loss_value(scheme, seed, step);
  return s / kSeeds;
}

double sd_loss(int scheme, int step) {
  const double m = mean_loss(scheme, step);
  double sq = 0;
  for (int seed = 1; seed <= kSeeds; ++seed) sq += std::pow(loss_value(scheme, seed, step) - m, 2);
  return std::sqrt(sq / (kSeeds - 1));
}

const QCPGraph* named(const Chart* chart, const QString& name) {
  for (int i = 0; i < chart->graphCount(); ++i)
    if (chart->graph(i)->name() == name) return chart->graph(i);
  return nullptr;
}

}  // namespace

class TestSeedBands : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_;
  std::vector<std::int64_t> runs_;
  std::int64_t experiment_ = 0;

 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    set_threads(0);
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("runs.db");
    store::RunDb db(db_.toStdString());
    std::vector<store::NewRun> runs;
    for (int seed = 1; seed <= kSeeds; ++seed)
      for (const char* scheme : {"pre", "lns"}) {
        store::NewRun r;
        r.name = std::string("seeds/") + scheme + "/seed-" + std::to_string(seed);
        r.scheme = scheme;
        r.steps = kSteps;
        runs.push_back(r);
      }
    const store::RunDb::CreatedRows created = db.create_experiment_with_runs("seeds", "{}", runs);
    runs_ = created.runs;
    experiment_ = created.experiment;
    store::MetricWriter writer(db_.toStdString());
    for (std::size_t k = 0; k < runs_.size(); ++k) {
      const int seed = static_cast<int>(k / 2) + 1, scheme = static_cast<int>(k % 2);
      for (int s = 1; s <= kSteps; ++s) {
        writer.log(runs_[k], "train/loss", s, loss_value(scheme, seed, s));
        if (s % 10 == 0) writer.log(runs_[k], "val/ppl", s, std::exp(loss_value(scheme, seed, s) + 0.1));
      }
      for (int l = 1; l <= kLayers; ++l)
        writer.log_layer(runs_[k], "residual_variance", kSteps, l, (scheme == 0 ? 1.8 : 1.2) * l + 0.1 * seed);
    }
    writer.flush();
    for (std::int64_t id : runs_) {
      db.heartbeat(id, kSteps);
      db.set_status(id, store::RunStatus::finished);
    }
  }

  void seeds_are_one_band_per_scheme() {
    ComparePanel p;
    p.resize(1600, 1000);
    p.show();
    QVERIFY(QTest::qWaitForWindowExposed(&p));
    QVERIFY(p.runs()->set_database(db_));
    for (std::int64_t id : runs_) p.runs()->set_checked(id, true);
    QTRY_VERIFY_WITH_TIMEOUT(!p.busy(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(p.runs_view()->loss_chart()->graphCount() == 6, 10000);  // 2 x (lower edge, upper edge, mean)

    Chart* loss = p.runs_view()->loss_chart();
    const QString pre = "seeds/pre · mean ± 1 sd (n = 3)", lns = "seeds/lns · mean ± 1 sd (n = 3)";
    const QCPGraph* pre_mean = named(loss, pre);
    QVERIFY2(pre_mean, qPrintable(loss->graph(2)->name()));
    QVERIFY(named(loss, lns));
    QCOMPARE(pre_mean->pen().color(), scheme_color(NormScheme::pre));
    QCOMPARE(pre_mean->dataCount(), kSteps);
    for (int s : {1, 17, 40}) {
      QVERIFY(std::fabs(pre_mean->data()->at(s - 1)->value - mean_loss(0, s)) < 1e-12);
      const QCPGraph* hi = named(loss, "seeds/pre + 1 sd");
      const QCPGraph* lo = named(loss, "seeds/pre − 1 sd");
      QVERIFY(hi && lo);
      QVERIFY(std::fabs(hi->data()->at(s - 1)->value - (mean_loss(0, s) + sd_loss(0, s))) < 1e-12);
      QVERIFY(std::fabs(lo->data()->at(s - 1)->value - (mean_loss(0, s) - sd_loss(0, s))) < 1e-12);
      QVERIFY(hi->channelFillGraph() == lo);
    }
    // Only the means are in the legend and in the crosshair's read-out.
    QCOMPARE(loss->legend->itemCount(), 2);
    p.runs_view()->crosshair()->set(17);
    int loss_readings = 0;
    for (const CrosshairReading& r : p.runs_view()->crosshair()->readings()) loss_readings += r.chart == "train/loss";
    QCOMPARE(loss_readings, 2);
    QCOMPARE(p.runs_view()->ppl_chart()->graphCount(), 6);
    QCOMPARE(p.runs_view()->variance_chart()->graphCount(), 6);

    // The seeds table: one row per metric for the pair (Pre-LN, LNS), named as people read them, n = 3 each, a p-value.
    const SeedStatisticsModel* seeds = p.seeds_table();
    QCOMPARE(seeds->rowCount(), 3);
    const QString a = seeds->index(0, SeedStatisticsModel::scheme_a).data().toString();
    QVERIFY2(a.startsWith("Pre-LN: ") && a.endsWith("(n = 3)"), qPrintable(a));
    QCOMPARE(seeds->index(0, SeedStatisticsModel::metric).data().toString(), QString("final val PPL"));
    QVERIFY2(seeds->index(0, SeedStatisticsModel::p_value).data().toString().startsWith("p = "),
             qPrintable(seeds->index(0, SeedStatisticsModel::p_value).data().toString()));
    QVERIFY(p.findChild<QTableView*>("seeds_table")->isVisible());

    // The band is drawn: a pixel halfway between the mean and the upper edge is tinted with the
    // scheme's colour, not the background.
    p.runs_view()->crosshair()->hide();
    loss->replot(QCustomPlot::rpImmediateRefresh);
    const int step = 30;
    const double x = loss->xAxis->coordToPixel(step);
    const double y = loss->yAxis->coordToPixel(mean_loss(0, step) + 0.6 * sd_loss(0, step));
    QVERIFY2(std::fabs(y - loss->yAxis->coordToPixel(mean_loss(0, step))) > 5, "the band is too thin to test");
    const QImage image = loss->grab().toImage();
    const QColor inside = image.pixelColor(QPoint(int(x), int(y)) * image.devicePixelRatio());
    const QColor background = image.pixelColor(QPoint(int(x), loss->axisRect()->top() + 3) * image.devicePixelRatio());
    QVERIFY2(inside != background, qPrintable(inside.name() + " vs " + background.name()));
    const QColor c = scheme_color(NormScheme::pre);
    // Tinted towards the scheme colour: the channel where the colour is weakest dropped.
    const int weakest = std::min({c.red(), c.green(), c.blue()});
    const int channel = weakest == c.red() ? inside.red() : weakest == c.green() ? inside.green() : inside.blue();
    const int bg = weakest == c.red() ? background.red() : weakest == c.green() ? background.green() : background.blue();
    QVERIFY2(channel < bg - 10, qPrintable(inside.name() + " vs " + background.name()));

    // A click inside the band shows the three single runs; a second click hides them.
    QTest::mouseClick(loss, Qt::LeftButton, Qt::NoModifier, QPoint(int(x), int(y)));
    QTRY_COMPARE(loss->graphCount(), 9);
    QVERIFY(named(loss, QString("#%1 seeds/pre/seed-2").arg(runs_[2])));
    const QByteArray shot = qgetenv("DEPTHSCOPE_SEEDS_SCREENSHOT");
    if (!shot.isEmpty()) {
      for (Chart* ch : p.findChildren<Chart*>()) ch->replot(QCustomPlot::rpImmediateRefresh);
      QVERIFY(p.grab().save(QString::fromLocal8Bit(shot)));
    }
    QTest::mouseClick(loss, Qt::LeftButton, Qt::NoModifier, QPoint(int(x), int(y)));
    QTRY_COMPARE(loss->graphCount(), 6);
  }

  // The Train tab draws the same bands over the experiment's seeds (smoothing off: the band
  // is of the raw values), the runs' own curves hidden until a click inside the band.
  void train_tab_draws_the_same_bands() {
    MainWindow window(false);
    window.parts().run_database->set_database(db_, false);
    window.parts().run_watcher->set_interval(100);
    window.resize(1500, 950);
    window.show();
    TrainPanel* train = window.parts().train;
    window.parts().tabs->setCurrentWidget(train);
    train->set_smoothing(0);
    train->show_experiment(experiment_);
    const QString pre = QString("%1 · mean ± 1 sd (n = 3)").arg(scheme_label(NormScheme::pre));
    Chart* loss = train->charts().loss;
    QTRY_VERIFY_WITH_TIMEOUT(named(loss, pre) && named(loss, pre)->dataCount() == kSteps, 30000);
    for (int s : {1, 17, 40})
      QVERIFY(std::fabs(named(loss, pre)->data()->at(s - 1)->value - mean_loss(0, s)) < 1e-12);
    QVERIFY(!train->graph(runs_[0], "train/loss", true)->visible());
    QVERIFY(!train->graph(runs_[0], "train/loss", false)->visible());
    QCOMPARE(loss->legend->itemCount(), 2);  // the two means
    QCOMPARE(train->charts().lr->legend->itemCount(), 2);  // one learning-rate curve per scheme, not per seed
    QVERIFY(named(train->charts().variance, QString("%1 · mean ± 1 sd (n = 3)").arg(scheme_label(NormScheme::lns))));
    const QByteArray shot = qgetenv("DEPTHSCOPE_SEEDS_TRAIN_SCREENSHOT");
    if (!shot.isEmpty()) {
      for (Chart* c : train->charts().all()) c->replot(QCustomPlot::rpImmediateRefresh);
      QVERIFY(window.grab().save(QString::fromLocal8Bit(shot)));
    }
    // A click inside the Pre-LN band shows its three runs.
    loss->replot(QCustomPlot::rpImmediateRefresh);
    const QPoint at(int(loss->xAxis->coordToPixel(30)), int(loss->yAxis->coordToPixel(mean_loss(0, 30) + 0.6 * sd_loss(0, 30))));
    QTest::mouseClick(loss, Qt::LeftButton, Qt::NoModifier, at);
    QTRY_VERIFY(train->graph(runs_[0], "train/loss", true)->visible());
    QCOMPARE(loss->legend->itemCount(), 5);
  }
};

QTEST_MAIN(TestSeedBands)
#include "test_seed_bands.moc"
