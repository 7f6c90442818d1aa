// DifferenceTableModel (ui/compare/difference_table_model.h): one row per compared item with
// the numbers of `runs compare`, "—" where a number is not known, numbers right-aligned, the
// swatch and scheme colour; the CSV read from the same rows (full precision, the store's "nan",
// empty for unknown); resets and updates signalled; the table view as tall as its rows.
#include <cmath>
#include <limits>

#include <QHeaderView>
#include <QIcon>
#include <QSignalSpy>
#include <QtTest>

#include "tests/ui/ui_test_support.h"
#include "ui/compare/compare_item.h"
#include "ui/compare/difference_table_model.h"
#include "ui/compare/difference_table_view.h"
#include "ui/shared/palette.h"
#include "ui/shell/app.h"

using namespace depthscope;
using namespace depthscope::ui;
using M = DifferenceTableModel;

namespace {

CompareItem run_item() {
  CompareItem r;
  r.kind = CompareItem::run;
  r.run_id = 7;
  r.label = "#7 tiny-pre";
  r.scheme = NormScheme::pre;
  r.color = scheme_color(NormScheme::pre);
  r.step = 40;
  r.steps = 60;
  r.final_ppl = 12.3456789012;
  r.ppl_source = "val set, step 40";
  r.var_ratio = std::numeric_limits<double>::quiet_NaN();
  r.near_identity = 2;
  r.layers = 4;
  return r;
}

CompareItem checkpoint_item() {
  CompareItem c;
  c.kind = CompareItem::checkpoint;
  c.path = "/models/llama-lns";
  c.label = "llama-lns";
  c.scheme = NormScheme::lns;
  c.color = scheme_color(NormScheme::lns);
  c.style = Qt::DashLine;
  c.layers = 8;
  c.deep_removal = 0.125;
  return c;
}

}  // namespace

class TestDifferenceTableModel : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
  }

  void rows_columns_and_text() {
    const CompareItem run = run_item(), ck = checkpoint_item();
    M model;
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(M::column_count));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.set_items({&run, &ck}, "/data/runs.sqlite");
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);  // a table: no children
    const auto text = [&](int r, int c) { return model.data(model.index(r, c)).toString(); };
    QCOMPARE(text(0, M::item), QString("#7 tiny-pre"));
    QCOMPARE(text(0, M::kind), QString("run"));
    QCOMPARE(text(0, M::scheme), scheme_label(NormScheme::pre));
    QCOMPARE(text(0, M::step), QString("40/60"));
    QCOMPARE(text(0, M::final_ppl), QString("12.346"));
    QCOMPARE(text(0, M::ppl_source), QString("val set, step 40"));
    QCOMPARE(text(0, M::near_identity), QString("2 of 4"));
    QCOMPARE(text(0, M::deep_removal), QString("—"));  // a run has no removal sweep
    QCOMPARE(text(1, M::kind), QString("checkpoint"));
    QCOMPARE(text(1, M::step), QString("—"));
    QCOMPARE(text(1, M::final_ppl), QString("—"));
    QCOMPARE(text(1, M::ppl_source), QString("—"));
    QCOMPARE(text(1, M::var_ratio), QString("—"));
    QCOMPARE(text(1, M::near_identity), QString("—"));
    QCOMPARE(text(1, M::deep_removal), QString("0.125"));
    QCOMPARE(model.item_at(1), &ck);

    // Numbers right, words left; swatch, scheme colour and tooltips.
    const auto align = [&](int c) { return model.data(model.index(0, c), Qt::TextAlignmentRole).toInt() & Qt::AlignHorizontal_Mask; };
    QCOMPARE(align(M::item), int(Qt::AlignLeft));
    QCOMPARE(align(M::final_ppl), int(Qt::AlignRight));
    QCOMPARE(align(M::ppl_source), int(Qt::AlignLeft));
    QVERIFY(!model.data(model.index(0, M::item), Qt::DecorationRole).value<QIcon>().isNull());
    QCOMPARE(model.data(model.index(1, M::scheme), Qt::ForegroundRole).value<QColor>(), scheme_color(NormScheme::lns));
    QCOMPARE(model.data(model.index(0, M::item), Qt::ToolTipRole).toString(), QString("Run 7 of /data/runs.sqlite"));
    QCOMPARE(model.data(model.index(1, M::item), Qt::ToolTipRole).toString(), QString("/models/llama-lns"));
    QVERIFY(model.data(model.index(0, M::deep_removal), Qt::ToolTipRole).toString().contains("checkpoint"));
    QCOMPARE(model.headerData(M::final_ppl, Qt::Horizontal).toString(), QString("Final val PPL"));
    QVERIFY(!model.headerData(M::var_ratio, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    QVERIFY(!model.data(model.index(5, 0)).isValid());
  }

  void csv_reads_the_same_rows() {
    const CompareItem run = run_item(), ck = checkpoint_item();
    M model;
    model.set_items({&run, &ck}, "db");
    const CsvTable t = model.csv();
    QCOMPARE(t.header, (QStringList{"item", "kind", "scheme", "step", "steps", "final_val_ppl", "ppl_measured_on",
                                    "residual_variance_ratio", "near_identity_layers", "layers",
                                    "deep_half_mean_delta_ppl"}));
    QCOMPARE(t.rows.size(), 2);
    QCOMPARE(t.rows[0], (QStringList{"#7 tiny-pre", "run", "pre", "40", "60", "12.3456789", "val set, step 40", "nan", "2",
                                     "4", ""}));
    QCOMPARE(t.rows[1], (QStringList{"llama-lns", "checkpoint", "lns", "", "", "", "", "", "", "8", "0.125"}));
  }

  void updates_reach_the_view() {
    CompareItem ck = checkpoint_item();
    M model;
    DifferenceTableView view(&model, "difference_table", "tip");
    view.resize(900, 400);
    model.set_items({&ck}, "db");
    const int one_row = view.height();
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    ck.final_ppl = 9.5;
    ck.ppl_source = "eval text, 2048 tokens";
    model.refresh();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.data(model.index(0, M::final_ppl)).toString(), QString("9.5"));
    const CompareItem run = run_item();
    model.set_items({&run, &ck}, "db");
    // As tall as its rows: one more row, one row's height more.
    QCOMPARE(view.height() - one_row, view.verticalHeader()->sectionSize(1));
    QCOMPARE(view.model()->rowCount(), 2);
  }
};

QTEST_MAIN(TestDifferenceTableModel)
#include "test_difference_table_model.moc"
