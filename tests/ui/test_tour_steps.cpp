// The Tour's steps (ui/tour/tour_step.h, ui/tour/steps/): the list in order, each with a title,
// a paragraph and a figure; the static steps finish when started; steps 1 and 4 drawn from the
// example statistics they share (fed here by hand, no model computed), their summaries, their
// errors and their restart; step 2's curves computed; step 6 waits for Start and refuses a
// missing depthscope-cli; presenter scale on every step's charts.
#include <cmath>
#include <memory>
#include <set>

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>
#include <qcustomplot.h>

#include "core/runtime/threads.h"
#include "tests/ui/ui_test_support.h"
#include "ui/shared/chart.h"
#include "ui/shell/app.h"
#include "ui/tour/example_statistics.h"
#include "ui/tour/steps/layer_removal_step.h"
#include "ui/tour/steps/seed_spread.h"
#include "ui/tour/steps/live_training_step.h"
#include "ui/tour/steps/lns_step.h"
#include "ui/tour/steps/paper_summary_step.h"
#include "ui/tour/steps/residual_stream_step.h"
#include "ui/tour/steps/tour_steps.h"
#include "ui/tour/steps/trained_variance_step.h"
#include "ui/tour/steps/variance_at_init_step.h"

using namespace depthscope;
using namespace depthscope::ui;

class TestTourSteps : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    set_threads(0);
  }

  void the_list_in_order() {
    ExampleStatistics examples;
    const auto steps = make_tour_steps(&examples);
    QCOMPARE(int(steps.size()), 7);
    QVERIFY(dynamic_cast<ResidualStreamStep*>(steps[0].get()));
    QVERIFY(dynamic_cast<VarianceAtInitStep*>(steps[1].get()));
    QVERIFY(dynamic_cast<LnsStep*>(steps[2].get()));
    QVERIFY(dynamic_cast<TrainedVarianceStep*>(steps[3].get()));
    QVERIFY(dynamic_cast<LayerRemovalStep*>(steps[4].get()));
    QVERIFY(dynamic_cast<LiveTrainingStep*>(steps[5].get()));
    QVERIFY(dynamic_cast<PaperSummaryStep*>(steps[6].get()));
    std::set<QString> titles;
    for (const auto& s : steps) {
      QVERIFY(!s->title().isEmpty());
      QVERIFY(s->text().size() > 100);
      titles.insert(s->title());
      std::unique_ptr<QWidget> figure(s->make_figure());
      QVERIFY(figure);
      QVERIFY(!s->charts().isEmpty());
      QVERIFY(s->summary().isEmpty());
    }
    QCOMPARE(titles.size(), std::size_t(7));
  }

  void static_steps_finish_when_started_and_scale() {
    for (auto* step : std::initializer_list<TourStep*>{new LnsStep, new PaperSummaryStep}) {
      std::unique_ptr<TourStep> owned(step);
      std::unique_ptr<QWidget> figure(step->make_figure());
      QSignalSpy finished(step, &TourStep::finished);
      step->start();
      QCOMPARE(finished.count(), 1);
      Chart* chart = step->charts().front();
      const double normal = chart->xAxis->tickLabelFont().pointSizeF();
      step->set_scale(1.6);
      QVERIFY(chart->xAxis->tickLabelFont().pointSizeF() >= normal * 1.5);
      step->set_scale(1.0);
      QCOMPARE(chart->xAxis->tickLabelFont().pointSizeF(), normal);
    }
  }

  // Steps 1 and 4 draw what the shared example statistics send, and both end with them.
  void steps_one_and_four_share_the_example_statistics() {
    ExampleStatistics examples;
    ResidualStreamStep stream(&examples);
    TrainedVarianceStep trained(&examples);
    std::unique_ptr<QWidget> f1(stream.make_figure()), f4(trained.make_figure());
    QSignalSpy done1(&stream, &TourStep::finished), done4(&trained, &TourStep::finished);
    emit examples.started();
    QVERIFY(stream.chart()->message().isEmpty());
    QCOMPARE(trained.summary(), QString("Measuring the example models…"));
    for (int l = 1; l <= 4; ++l) {
      emit examples.trained_layer(NormScheme::pre, l, 1.0 * l * l, 1.0 / l);
      emit examples.trained_layer(NormScheme::lns, l, 1.0 + 0.5 * l, 0.4 / l);
      emit examples.fresh_layer(NormScheme::pre, l, 2.0 * l);
    }
    emit examples.updated();
    emit examples.finished();
    QCOMPARE(done1.count(), 1);
    QCOMPARE(done4.count(), 1);
    QCOMPARE(trained.graph(NormScheme::pre)->dataCount(), 4);
    QCOMPARE(trained.graph(NormScheme::pre)->data()->at(3)->value, 16.0);
    // Last/first ratio: Pre-LN 16/1, LNS 3/1.5.
    QVERIFY2(trained.summary().contains("<b>16.00</b>") && trained.summary().contains("<b>2.00</b>"),
             qPrintable(trained.summary()));
    QVERIFY(trained.summary().contains("grows less"));
    QVERIFY2(stream.summary().contains("layer 4") && stream.summary().contains("1.00 → 0.25"), qPrintable(stream.summary()));
    // Restart: empty again.
    stream.clear();
    trained.clear();
    QVERIFY(trained.summary().isEmpty());
    QCOMPARE(trained.graph(NormScheme::pre)->dataCount(), 0);
    QCOMPARE(trained.chart()->message(), QString("Loading the example models…"));
    // An error reaches both, on their charts.
    QSignalSpy failed1(&stream, &TourStep::failed), failed4(&trained, &TourStep::failed);
    emit examples.failed("The example models were not found");
    QCOMPARE(failed1.count(), 1);
    QCOMPARE(failed4.count(), 1);
    QCOMPARE(stream.chart()->message(), QString("The example models were not found"));
  }

  void step_two_computes_both_curves() {
    VarianceAtInitStep step;
    std::unique_ptr<QWidget> figure(step.make_figure());
    QSignalSpy finished(&step, &TourStep::finished);
    step.start();
    QCOMPARE(step.summary(), QString("Computing…"));
    QVERIFY(finished.wait(240000) || finished.count() == 1);
    const QCPGraph* pre = step.graph(NormScheme::pre);
    const QCPGraph* lns = step.graph(NormScheme::lns);
    QCOMPARE(pre->dataCount(), 48);
    QCOMPARE(lns->dataCount(), 48);
    QVERIFY(pre->data()->at(47)->value > lns->data()->at(47)->value);
    QTRY_VERIFY(step.summary().contains("after layer 48"));
    step.clear();
    QCOMPARE(pre->dataCount(), 0);
    QVERIFY(step.summary().isEmpty());
  }

  void step_five_draws_nothing_before_start() {
    LayerRemovalStep step;
    std::unique_ptr<QWidget> figure(step.make_figure());
    QCOMPARE(step.bars(NormScheme::pre)->dataCount(), 0);
    QCOMPARE(step.chart()->message(), QString("Loading the example models…"));
    QVERIFY(step.chart()->log_y());
  }

  void step_six_says_whether_the_difference_beats_the_seeds() {
    // Means 12.0 and 11.0 (difference 1.0); seed spreads 0.4 and 0.2: larger.
    const QString larger = seed_spread_words({11.8, 12.2}, {10.9, 11.1});
    QVERIFY2(larger.contains("<b>larger</b>") && larger.contains("(1.00, lower with") && larger.contains("at most 0.40"),
             qPrintable(larger));
    QVERIFY(larger.contains("11.80 and 12.20"));
    // Spread 1.5 > difference 0.25: not larger.
    const QString not_larger = seed_spread_words({11.0, 12.5}, {11.5, 11.5});
    QVERIFY2(not_larger.contains("<b>not larger</b>") && not_larger.contains("up to 1.50"), qPrintable(not_larger));
    QVERIFY(not_larger.contains("cannot tell the schemes apart"));
    QVERIFY(seed_spread_words({11.0}, {10.0}).contains("cannot be judged"));
    QVERIFY(seed_spread_words({}, {10.0}).isEmpty());
    QVERIFY(seed_spread_words({std::nan(""), 1.0}, {1.0, 2.0}).contains("nothing to compare"));
  }

  void step_six_waits_for_start_and_names_a_missing_cli() {
    LiveTrainingStep step;
    std::unique_ptr<QWidget> figure(step.make_figure());
    QSignalSpy failed(&step, &TourStep::failed);
    step.start();  // shown: nothing starts on its own
    QVERIFY(!step.training());
    QVERIFY(step.database().isEmpty());
    step.set_cli_path("/nonexistent/depthscope-cli");
    step.start_training();
    QVERIFY(!step.training());
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.at(0).at(0).toString().contains("/nonexistent/depthscope-cli"));
    auto* start = figure->findChild<QPushButton*>("tour_live_start");
    QVERIFY(start && start->isEnabled());
  }
};

QTEST_MAIN(TestTourSteps)
#include "test_tour_steps.moc"
