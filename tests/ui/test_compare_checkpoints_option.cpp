// `depthscope --compare-checkpoints A,B,C`: the paths are checked before a window opens (a
// missing one is refused, named), and the checkpoints it names stand side by side in Compare:
// the three norm placements of the family reference models, each curve in its scheme's colour.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <qcustomplot.h>

#include "tests/ui/ui_test_support.h"
#include "ui/compare/checkpoint_grid.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_panel.h"
#include "ui/shared/chart.h"
#include "ui/shared/palette.h"
#include "ui/shell/app.h"

using namespace depthscope;
using namespace depthscope::ui;

class TestCompareCheckpointsOption : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  QString make_folder(const QString& name) {
    QDir(dir_.path()).mkpath(name);
    QFile f(QDir(dir_.path()).filePath(name + "/config.json"));
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write("{}");
    return QDir(dir_.path()).filePath(name);
  }

 private slots:
  void initTestCase() {
    test::use_own_settings();
    QVERIFY(dir_.isValid());
  }

  void refuses_a_missing_path_and_names_it() {
    const QString a = make_folder("a");
    QString error;
    QVERIFY(compared_checkpoints({a + ",/no/such/model"}, &error).isEmpty());
    QCOMPARE(error, QString("--compare-checkpoints: no checkpoint file or folder at '/no/such/model'"));
  }

  void refuses_an_empty_list() {
    QString error;
    QVERIFY(compared_checkpoints({" , ,"}, &error).isEmpty());
    QVERIFY2(error.contains("got none"), qPrintable(error));
  }

  // Commas and repeated options both list; a config.json names its folder; a repeat is dropped.
  void lists_folders_in_order_without_repeats() {
    const QString a = make_folder("a"), b = make_folder("b");
    QString error;
    const QStringList got = compared_checkpoints({b + "," + a, a + "/config.json"}, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(got, QStringList({QFileInfo(b).canonicalFilePath(), QFileInfo(a).canonicalFilePath()}));
  }

  // Llama (Pre-LN), Gemma 2 (sandwich) and OLMo 2 (output norms) side by side: one variance
  // curve per column, named by its placement in its scheme's colour, on one shared y range.
  void three_family_placements_side_by_side() {
    const char* names[] = {"families/llama-tiny-f16", "families/gemma2-tiny-f32", "families/olmo2-tiny-f32"};
    QStringList words;
    for (const char* n : names) {
      DS_QREQUIRE_SHARED(std::string(n) + "/config.json");
      words << QString::fromStdString(test::shared_data(n));
    }
    QString error;
    const QStringList paths = compared_checkpoints({words.join(',')}, &error);
    QCOMPARE(paths.size(), 3);
    ComparePanel p;
    p.resize(1600, 1000);
    p.show();
    p.checkpoints()->set_evaluation(48, 48);
    for (const QString& path : paths) QVERIFY(p.checkpoints()->add(path));
    QTRY_VERIFY_WITH_TIMEOUT(!p.busy(), 240000);

    const QList<Chart*> var = p.checkpoint_grid()->variance_charts();
    QCOMPARE(var.size(), 3);
    const struct {
      NormScheme scheme;
      const char* legend;
      const char* title;
      int layers;
    } expected[] = {{NormScheme::pre, "Pre-LN", "llama-tiny-f16", 3},
                    {NormScheme::sandwich, "Sandwich-LN", "gemma2-tiny-f32", 4},
                    {NormScheme::output, "Output-LN", "olmo2-tiny-f32", 4}};
    for (int i = 0; i < 3; ++i) {
      const QCPGraph* g = var[i]->graph(0);
      QCOMPARE(g->dataCount(), expected[i].layers);
      QCOMPARE(g->pen().color(), scheme_color(expected[i].scheme));
      QVERIFY2(g->name().contains(expected[i].legend), qPrintable(g->name()));
      QVERIFY2(var[i]->title().contains(expected[i].title), qPrintable(var[i]->title()));
      QCOMPARE(var[i]->yAxis->range(), var[0]->yAxis->range());
    }
    // Gemma 2's stream starts far above Llama's (the embedding times sqrt(d)): both inside the range.
    const QCPRange y = var[0]->yAxis->range();
    QVERIFY(y.contains(var[0]->graph(0)->data()->at(0)->value));
    QVERIFY(y.contains(var[1]->graph(0)->data()->at(3)->value));
  }
};

QTEST_MAIN(TestCompareCheckpointsOption)
#include "test_compare_checkpoints_option.moc"
