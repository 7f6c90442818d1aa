// Compare tab: two runs written straight into a run database (MetricWriter) share one step
// axis, zooming one chart zooms the other and the crosshair reads both curves exactly; two
// scheme checkpoints (one added by path, one dropped) get their variance / angular / removal
// charts side by side with shared axes and a table row each; the whole comparison exports as
// PNG, SVG, PDF and the table as CSV. Set DEPTHSCOPE_COMPARE_SCREENSHOT=FILE to save the panel.
#include <QAbstractButton>
#include <QCheckBox>
#include <QDropEvent>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QListWidget>
#include <QMimeData>
#include <QSpinBox>
#include <QTableView>
#include "ui/compare/difference_table_model.h"
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUrl>
#include <QLabel>
#include <QtTest>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "core/runtime/progress.h"
#include "core/runtime/threads.h"
#include "core/session/model_session.h"
#include "core/store/metric_writer.h"
#include "core/store/run_db.h"
#include "core/store/run_summary.h"
#include "tests/ui/removal_reference.h"
#include "tests/ui/ui_test_support.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_controls.h"
#include "ui/compare/compare_panel.h"
#include "ui/shared/crosshair.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/comparison_exporter.h"
#include "ui/compare/run_comparison_view.h"
#include "ui/compare/checkpoint_grid.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/shared/workspace_browser.h"
#include "ui/shared/workspace_drag.h"
#include "ui/shared/job_list.h"
#include "ui/shell/app.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {

constexpr int kLayers = 4;

// Values with many significant digits, so "exact" means exact.
double loss_value(int run, int step) {
  return (run == 1 ? 2.05 : 2.2) + 3.4 * std::exp(-step / (run == 1 ? 11.0 : 13.0)) + 0.045 * std::sin(2.3 * step + run);
}
double ppl_value(int run, int step) { return std::exp(loss_value(run, step) + 0.08 + 0.01 * run); }
double variance_value(int run, int layer) { return run == 1 ? 0.8 * std::pow(1.9, layer) + 0.01 * layer : 0.9 + 0.137 * layer; }
double angular_value(int run, int layer) { return run == 1 ? 0.45 - 0.09 * layer : 0.31 - 0.021 * layer; }

QByteArray head(const QString& path, int n) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.read(n);
}

void drop_paths(QWidget* target, const QStringList& paths) {
  QMimeData mime;
  QList<QUrl> urls;
  for (const QString& p : paths) urls << QUrl::fromLocalFile(p);
  mime.setUrls(urls);
  const QPointF pos(target->width() / 2.0, target->height() / 2.0);
  QDragEnterEvent enter(pos.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &enter);
  QVERIFY(enter.isAccepted());
  QDropEvent drop(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &drop);
}

}  // namespace

class TestComparePanel : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_;
  std::int64_t run_a_ = 0, run_b_ = 0;
  ComparePanel* panel_ = nullptr;

 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    set_threads(0);
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("runs.db");
    // Two tiny runs: A (Pre-LN) 40 steps, B (LNS) 30 steps; val every 10 steps; layer
    // metrics at steps 20 and the last.
    {
      store::RunDb db(db_.toStdString());
      store::NewRun a;
      a.name = "tiny-pre";
      a.scheme = "pre";
      a.steps = 40;
      run_a_ = db.create_run(a);
      store::NewRun b;
      b.name = "tiny-lns";
      b.scheme = "lns";
      b.steps = 30;
      run_b_ = db.create_run(b);
      store::MetricWriter writer(db_.toStdString());
      const std::pair<std::int64_t, int> runs[] = {{run_a_, 1}, {run_b_, 2}};
      for (const auto& [id, which] : runs) {
        const int steps = which == 1 ? 40 : 30;
        for (int s = 1; s <= steps; ++s) {
          writer.log(id, "train/loss", s, loss_value(which, s));
          writer.log(id, "train/lr", s, 1e-3);
          if (s % 10 == 0) writer.log(id, "val/ppl", s, ppl_value(which, s));
          if (s == 20 || s == steps)
            for (int l = 1; l <= kLayers; ++l) {
              const double scale = s == steps ? 1.0 : 0.5;
              writer.log_layer(id, "residual_variance", s, l, scale * variance_value(which, l));
              writer.log_layer(id, "angular_distance_next", s, l, angular_value(which, l));
            }
        }
      }
      writer.flush();
      db.heartbeat(run_a_, 40);
      db.heartbeat(run_b_, 30);
      db.set_status(run_a_, store::RunStatus::finished);
      db.set_status(run_b_, store::RunStatus::finished);
    }
    panel_ = new ComparePanel;
    panel_->resize(1600, 1300);
    panel_->show();
    QVERIFY(QTest::qWaitForWindowExposed(panel_));
  }

  void cleanupTestCase() { delete panel_; }

  void empty_state_and_tooltips() {
    ComparePanel panel;
    QVERIFY2(panel.empty_message().contains("drop checkpoints here", Qt::CaseInsensitive), qPrintable(panel.empty_message()));
    QVERIFY(panel.runs()->set_database(db_));
    QCOMPARE(panel.empty_message(), QString("Tick two runs or drop checkpoints here"));
    QCOMPARE(panel.runs()->listed().size(), 2);
    // Nothing compared: no heading of a table that is not there.
    for (QLabel* l : panel.findChildren<QLabel*>())
      if (l->text().startsWith("Difference table")) QVERIFY(l->isHidden());
    QVERIFY(panel.runs()->checked().isEmpty());
    // Every control explains itself.
    for (QWidget* w : panel.findChildren<QWidget*>()) {
      if (qobject_cast<QAbstractItemView*>(w->parentWidget())) continue;  // the table's own corner button
      if (qobject_cast<QAbstractButton*>(w) || qobject_cast<QSpinBox*>(w) || qobject_cast<QListWidget*>(w) ||
          qobject_cast<QTableView*>(w))
        QVERIFY2(!w->toolTip().isEmpty(), qPrintable(QString("no tooltip on %1 '%2'").arg(w->metaObject()->className(), w->objectName())));
    }
    // A database that does not exist is refused, not created.
    QVERIFY(!panel.runs()->set_database(dir_.filePath("missing.db")));
    QVERIFY(!QFile::exists(dir_.filePath("missing.db")));
    QVERIFY(panel.status_text().contains("missing.db"));
  }

  // Runs dragged from the workspace browser land ticked in the Compare tab.
  void runs_dragged_from_the_workspace() {
    WorkspaceBrowser workspace;
    std::vector<RunJob> jobs(2);
    jobs[0].run.id = run_a_;
    jobs[0].run.name = "tiny-pre";
    jobs[1].run.id = run_b_;
    jobs[1].run.name = "tiny-lns";
    workspace.set_runs(jobs);
    QTreeWidget* tree = workspace.tree();
    QModelIndexList indexes;
    for (std::int64_t id : {run_a_, run_b_}) {
      QTreeWidgetItem* item = workspace.run_item(id);
      QVERIFY(item != nullptr);
      QVERIFY(item->flags() & Qt::ItemIsDragEnabled);
      indexes << tree->model()->index(item->parent()->indexOfChild(item), 0, tree->model()->index(1, 0));
    }
    QVERIFY(tree->dragEnabled());
    std::unique_ptr<QMimeData> mime(tree->model()->mimeData(indexes));
    QVERIFY(mime != nullptr);
    QList<qint64> dragged = runs_from_mime_data(mime.get());
    std::sort(dragged.begin(), dragged.end());
    QCOMPARE(dragged, (QList<qint64>{run_a_, run_b_}));

    ComparePanel panel;
    panel.resize(1200, 900);
    QVERIFY(panel.runs()->set_database(db_));
    QVERIFY(panel.runs()->checked().isEmpty());
    const QPointF pos(panel.width() / 2.0, panel.height() / 2.0);
    QDragEnterEvent enter(pos.toPoint(), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&panel, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&panel, &drop);
    QVERIFY(drop.isAccepted());
    QCOMPARE(panel.runs()->checked().size(), 2);
    QVERIFY(panel.runs()->checked().contains(run_a_) && panel.runs()->checked().contains(run_b_));
  }

  void two_runs_share_axes_zoom_and_crosshair() {
    ComparePanel& p = *panel_;
    QVERIFY(p.runs()->set_database(db_));
    p.runs()->set_checked(run_a_, true);
    p.runs()->set_checked(run_b_, true);
    QCOMPARE(p.runs()->checked().size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(!p.busy(), 30000);
    QVERIFY(p.empty_message().isEmpty());

    // Both runs on one chart, sharing one step range that covers both.
    QCOMPARE(p.runs_view()->loss_chart()->graphCount(), 2);
    QCOMPARE(p.runs_view()->ppl_chart()->graphCount(), 2);
    QCOMPARE(p.runs_view()->loss_chart()->graph(0)->dataCount(), 40);
    QCOMPARE(p.runs_view()->loss_chart()->graph(1)->dataCount(), 30);
    QCOMPARE(p.runs_view()->ppl_chart()->graph(0)->dataCount(), 4);
    const QCPRange xr = p.runs_view()->loss_chart()->xAxis->range();
    QVERIFY2(xr.lower <= 1 && xr.upper >= 40, qPrintable(QString("%1..%2").arg(xr.lower).arg(xr.upper)));
    QCOMPARE(p.runs_view()->ppl_chart()->xAxis->range(), xr);
    // Scheme colours from the palette.
    QCOMPARE(p.runs_view()->loss_chart()->graph(0)->pen().color(), scheme_color(NormScheme::pre));
    QCOMPARE(p.runs_view()->loss_chart()->graph(1)->pen().color(), scheme_color(NormScheme::lns));
    // Residual variance at the last layer step: 4 points each, exactly as written.
    QCOMPARE(p.runs_view()->variance_chart()->graphCount(), 2);
    QCOMPARE(p.runs_view()->variance_chart()->graph(0)->dataCount(), kLayers);
    QCOMPARE(p.runs_view()->variance_chart()->graph(0)->data()->at(3)->value, variance_value(1, 4));
    QCOMPARE(p.runs_view()->variance_chart()->graph(1)->data()->at(0)->value, variance_value(2, 1));

    // Zooming one chart zooms the other: a range set, then a mouse wheel over the loss chart.
    p.runs_view()->loss_chart()->xAxis->setRange(5, 15);
    QCOMPARE(p.runs_view()->ppl_chart()->xAxis->range(), QCPRange(5, 15));
    p.runs_view()->ppl_chart()->xAxis->setRange(2, 38);
    QCOMPARE(p.runs_view()->loss_chart()->xAxis->range(), QCPRange(2, 38));
    p.runs_view()->loss_chart()->replot(QCustomPlot::rpImmediateRefresh);
    const QPointF centre = p.runs_view()->loss_chart()->axisRect()->rect().center();
    // Ctrl+wheel zooms (the wheel alone scrolls the page, issue 21).
    QWheelEvent wheel(centre, p.runs_view()->loss_chart()->mapToGlobal(centre), QPoint(), QPoint(0, 240), Qt::NoButton,
                      Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(p.runs_view()->loss_chart(), &wheel);
    const QCPRange zoomed = p.runs_view()->loss_chart()->xAxis->range();
    QVERIFY2(zoomed.size() < 36, qPrintable(QString("wheel did not zoom: %1..%2").arg(zoomed.lower).arg(zoomed.upper)));
    QCOMPARE(p.runs_view()->ppl_chart()->xAxis->range(), zoomed);
    p.runs_view()->loss_chart()->xAxis->setRange(0, 41);

    // Crosshair at step 20 reads both runs on both charts, with the stored values.
    p.runs_view()->crosshair()->set(20);
    QVERIFY(p.runs_view()->crosshair()->visible());
    std::map<QString, double> read;
    for (const CrosshairReading& r : p.runs_view()->crosshair()->readings()) {
      QCOMPARE(r.key, 20.0);
      read[r.chart + " " + r.series] = r.value;
    }
    QCOMPARE(read.size(), std::size_t(4));
    const QString a = QString("#%1 tiny-pre").arg(run_a_), b = QString("#%1 tiny-lns").arg(run_b_);
    QCOMPARE(read.at("train/loss " + a), loss_value(1, 20));
    QCOMPARE(read.at("train/loss " + b), loss_value(2, 20));
    QCOMPARE(read.at("val/ppl " + a), ppl_value(1, 20));
    QCOMPARE(read.at("val/ppl " + b), ppl_value(2, 20));
    const QString text = p.runs_view()->crosshair()->text();
    for (double v : {loss_value(1, 20), loss_value(2, 20), ppl_value(1, 20), ppl_value(2, 20)})
      QVERIFY2(text.contains(QString::number(v, 'g', 6)), qPrintable(text));
    // The mouse does the same: a move over the loss chart at step 33 puts the crosshair there
    // on both charts (B's val/ppl is read at its nearest evaluation, step 30).
    p.runs_view()->loss_chart()->replot(QCustomPlot::rpImmediateRefresh);
    const QPointF at(p.runs_view()->loss_chart()->xAxis->coordToPixel(33), p.runs_view()->loss_chart()->axisRect()->center().y());
    QMouseEvent move(QEvent::MouseMove, at, p.runs_view()->loss_chart()->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(p.runs_view()->loss_chart(), &move);
    QVERIFY(std::abs(p.runs_view()->crosshair()->x() - 33) < 0.5);
    bool saw_b_ppl = false;
    for (const CrosshairReading& r : p.runs_view()->crosshair()->readings())
      if (r.chart == "val/ppl" && r.series == b) {
        QCOMPARE(r.key, 30.0);
        QCOMPARE(r.value, ppl_value(2, 30));
        saw_b_ppl = true;
      }
    QVERIFY(saw_b_ppl);

    // The difference table: the numbers of `runs compare`, from the same database.
    QCOMPARE(p.difference_table()->rowCount(), 2);
    store::RunDb db(db_.toStdString());
    const CsvTable csv = p.exporter()->table_csv();
    QCOMPARE(csv.rows.size(), 2);
    const int ppl_col = csv.header.indexOf("final_val_ppl"), ratio_col = csv.header.indexOf("residual_variance_ratio"),
              near_col = csv.header.indexOf("near_identity_layers");
    const std::int64_t ids[] = {run_a_, run_b_};
    for (int r = 0; r < 2; ++r) {
      const store::RunSummary s = store::summarize_run(db, ids[r]);
      QCOMPARE(csv.rows[r][ppl_col], QString::number(*s.final_val_ppl, 'g', 9));
      QCOMPARE(csv.rows[r][ratio_col], QString::number(*s.residual_variance_ratio, 'g', 9));
      QCOMPARE(csv.rows[r][near_col], QString::number(*s.near_identity_layers));
    }
    QCOMPARE(csv.rows[0][near_col], QString("2"));  // 0.36, 0.27, 0.18, 0.09
    QCOMPARE(csv.rows[1][near_col], QString("0"));
  }

  void two_checkpoints_side_by_side() {
    DS_QREQUIRE_SHARED("schemes/llama-pre/model.safetensors");
    DS_QREQUIRE_SHARED("schemes/llama-lns/model.safetensors");
    ComparePanel& p = *panel_;
    p.runs()->set_checked(run_a_, false);
    p.runs()->set_checked(run_b_, false);
    p.checkpoints()->set_evaluation(2048, 64);
    QVERIFY(p.checkpoints()->add(QString::fromStdString(test::shared_data("schemes/llama-pre"))));
    QVERIFY(!p.checkpoints()->add(QString::fromStdString(test::shared_data("schemes/llama-pre/config.json"))));  // same one
    drop_paths(&p, {QString::fromStdString(test::shared_data("schemes/llama-lns"))});
    QCOMPARE(p.checkpoints()->paths().size(), 2);
    QVERIFY(p.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!p.busy(), 240000);

    const QList<Chart*> var = p.checkpoint_grid()->variance_charts();
    QCOMPARE(var.size(), 2);
    QCOMPARE(p.checkpoint_grid()->angular_charts().size(), 2);
    QCOMPARE(p.checkpoint_grid()->removal_charts().size(), 2);
    for (Chart* c : var) QCOMPARE(c->graph(0)->dataCount(), 8);
    QCOMPARE(var[0]->graph(0)->pen().color(), scheme_color(NormScheme::pre));
    QCOMPARE(var[1]->graph(0)->pen().color(), scheme_color(NormScheme::lns));
    for (Chart* c : p.checkpoint_grid()->removal_charts()) {
      auto* bars = qobject_cast<QCPBars*>(c->plottable(0));
      QVERIFY(bars);
      QCOMPARE(bars->dataCount(), 8);
    }
    for (Chart* c : p.checkpoint_grid()->angular_charts()) {
      auto* map = qobject_cast<QCPColorMap*>(c->plottable(0));
      QVERIFY(map);
      QVERIFY(map->data()->cell(0, 0) >= 0 && map->data()->cell(0, 0) <= 1);
    }
    // Shared axes, and zoom linked across the row.
    QCOMPARE(var[0]->yAxis->range(), var[1]->yAxis->range());
    QCOMPARE(var[0]->xAxis->range(), var[1]->xAxis->range());
    var[1]->xAxis->setRange(2, 6);
    QCOMPARE(var[0]->xAxis->range(), QCPRange(2, 6));

    // Both rows in the table, with the checkpoint numbers filled in.
    QCOMPARE(p.difference_table()->rowCount(), 2);
    const CsvTable csv = p.exporter()->table_csv();
    QCOMPARE(csv.rows.size(), 2);
    const int ratio = csv.header.indexOf("residual_variance_ratio"), deep = csv.header.indexOf("deep_half_mean_delta_ppl"),
              ppl = csv.header.indexOf("final_val_ppl"), near = csv.header.indexOf("near_identity_layers");
    for (int r = 0; r < 2; ++r) {
      const QCPGraph* g = var[r]->graph(0);
      QCOMPARE(csv.rows[r][ratio], QString::number(g->data()->at(7)->value / g->data()->at(0)->value, 'g', 9));
      QVERIFY(!csv.rows[r][deep].isEmpty());
      QVERIFY(csv.rows[r][ppl].toDouble() > 1);
      QVERIFY(!csv.rows[r][near].isEmpty());
    }
    QCOMPARE(csv.rows[0][csv.header.indexOf("scheme")], QString("pre"));
    QCOMPARE(csv.rows[1][csv.header.indexOf("scheme")], QString("lns"));
  }

  // With a multiple-choice set, a checkpoint's removal chart switches to Δacc / Δacc_norm with
  // ±1 stderr error bars: the values of the core sweep over the same evaluation set and items.
  void checkpoint_removal_switches_to_accuracy() {
    const QString model = QDir(QFileInfo(QString(__FILE__)).absolutePath()).filePath("../../resources/examples/lns");
    if (!QFileInfo::exists(model + "/config.json")) QSKIP("the example model is missing");
    const QString choices = dir_.filePath("choices.jsonl");
    {
      QFile f(choices);
      QVERIFY(f.open(QIODevice::WriteOnly));
      const char* rows[] = {R"({"context": "A fool and his money are soon", "choices": ["parted", "green"], "answer": 0})",
                            R"({"context": "The early bird gets the", "choices": ["worm", "hacker", "kernel"], "answer": 0})",
                            R"({"context": "All that glitters is not", "choices": ["gold", "jargon"], "answer": 0})",
                            R"({"context": "Where there is smoke, there is", "choices": ["fire", "a bug"], "answer": 1})"};
      for (const char* r : rows) f.write(QByteArray(r) + "\n");
    }
    ComparePanel p;
    p.resize(1400, 1000);
    p.show();
    p.checkpoints()->set_evaluation(256, 64);
    p.checkpoints()->set_choices_file(choices);
    QVERIFY(p.checkpoints()->add(model));
    QTRY_VERIFY_WITH_TIMEOUT(!p.busy(), 240000);
    Chart* chart = p.checkpoint_grid()->removal_charts().at(0);
    auto* bars = qobject_cast<QCPBars*>(chart->plottable(0));
    auto* errors = qobject_cast<QCPErrorBars*>(chart->plottable(1));
    QVERIFY(bars && errors);
    QCOMPARE(bars->dataCount(), 24);
    QVERIFY(!errors->visible());  // ΔPPL first

    const auto session = ModelSession::open(model.toStdString(), RunControl());
    const LayerRemovalSweep ref = test::reference_removal(*session, choices, 256, 64);
    p.controls()->set_removal_metric(2);  // Δacc_norm
    QVERIFY(errors->visible());
    QCOMPARE(bars->dataCount(), 24);
    for (int i = 0; i < 24; ++i) {
      QCOMPARE(bars->data()->at(i)->value, ref.layers[i].delta_acc_norm);
      QCOMPARE(errors->data()->at(i).errorPlus, ref.layers[i].score.acc_norm_stderr);
    }
    QVERIFY(chart->yAxis->label().startsWith("Δacc_norm"));
    const QByteArray shot = qgetenv("DEPTHSCOPE_COMPARE_ACC_SCREENSHOT");
    if (!shot.isEmpty()) {
      for (Chart* c : p.findChildren<Chart*>()) c->replot(QCustomPlot::rpImmediateRefresh);
      QVERIFY(p.grab().save(QString::fromLocal8Bit(shot)));
    }
    p.controls()->set_removal_metric(0);
    QVERIFY(!errors->visible());
  }

  void export_whole_comparison() {
    ComparePanel& p = *panel_;
    p.runs()->set_checked(run_a_, true);
    p.runs()->set_checked(run_b_, true);
    QTRY_VERIFY_WITH_TIMEOUT(!p.busy(), 30000);
    p.reset_views();
    if (p.checkpoints()->paths().size() == 2) {  // reset_views undid the zoom of the previous test
      QCOMPARE(p.checkpoint_grid()->variance_charts().size(), 2);
      QCOMPARE(p.checkpoint_grid()->variance_charts()[0]->xAxis->range(), QCPRange(0.5, 8.5));
    }
    const int items = p.difference_table()->rowCount();
    QVERIFY(items >= 2);
    p.runs_view()->crosshair()->set(24);
    QString error;
    const QString png = dir_.filePath("comparison.png");
    QVERIFY2(p.exporter()->export_comparison(png, &error), qPrintable(error));
    const QImage image(png);
    QVERIFY(image.width() > 0 && image.height() > 0);
    QCOMPARE(image.size(), p.exporter()->comparison_size());
    // The scheme colours made it into the picture.
    int pre = 0, lns = 0;
    for (int y = 0; y < image.height(); y += 2)
      for (int x = 0; x < image.width(); x += 2) {
        const QColor c = image.pixelColor(x, y);
        pre += c == scheme_color(NormScheme::pre);
        lns += c == scheme_color(NormScheme::lns);
      }
    QVERIFY2(pre > 50 && lns > 50, qPrintable(QString("pre %1 lns %2").arg(pre).arg(lns)));

    const QString svg = dir_.filePath("comparison.svg");
    QVERIFY2(p.exporter()->export_comparison(svg, &error), qPrintable(error));
    QVERIFY(head(svg, 400).contains("<svg"));
    const QString pdf = dir_.filePath("comparison.pdf");
    QVERIFY2(p.exporter()->export_comparison(pdf, &error), qPrintable(error));
    QCOMPARE(head(pdf, 5), QByteArray("%PDF-"));
    QVERIFY(QFileInfo(pdf).size() > 10000);

    const QString csv = dir_.filePath("comparison.csv");
    QVERIFY2(p.exporter()->export_comparison(csv, &error), qPrintable(error));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), items + 1);
    QVERIFY(lines[0].startsWith("item,kind,scheme"));

    QVERIFY(!p.exporter()->export_comparison(dir_.filePath("comparison.gif"), &error));
    QVERIFY(error.contains(".gif"));

    const QByteArray shot = qgetenv("DEPTHSCOPE_COMPARE_SCREENSHOT");
    if (!shot.isEmpty()) {
      p.resize(1600, 1560);
      QApplication::processEvents();
      for (Chart* c : p.findChildren<Chart*>()) c->replot(QCustomPlot::rpImmediateRefresh);
      QVERIFY(p.grab().save(QString::fromLocal8Bit(shot)));
      QVERIFY(p.exporter()->export_comparison(QString::fromLocal8Bit(shot) + ".export.png", &error));
    }
  }
};

QTEST_MAIN(TestComparePanel)
#include "test_compare_panel.moc"
