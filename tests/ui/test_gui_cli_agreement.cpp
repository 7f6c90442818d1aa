// The GUI and the CLI report the same numbers: the real llama2.c checkpoint stories260K,
// one text and one set of settings, run through the Inspect panel and through the real
// binary (`depthscope-cli prune-sweep --json` and `perplexity --json`). Baseline PPL, every
// ΔPPL and every greedy-pruning PPL must be equal EXACTLY: nlohmann::json prints doubles
// with round-trip precision, so parsing the JSON gives back the very doubles the CLI
// computed. Both sides build their evaluation set with core/analysis/eval_set.h.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QCheckBox>
#include <QtTest>
#include <qcustomplot.h>

#include "cli/run_cli.h"
#include "core/runtime/progress.h"
#include "core/runtime/threads.h"
#include "core/session/model_session.h"
#include "ui/shell/app.h"
#include "ui/inspect/inspect_charts.h"
#include "ui/inspect/inspect_panel.h"
#include "ui/shared/removal_bars.h"
#include "ui_test_support.h"

using namespace depthscope;
using namespace depthscope::ui;
using depthscope::test::run_cli;
using depthscope::test::shared_data;

namespace {

constexpr const char* kModel = "llama2c/stories260K.bin";
constexpr const char* kTokenizer = "llama2c/tokenizer.bin";  // found beside the model by both sides
constexpr int kMaxTokens = 400;  // fewer than the text gives: both sides cut the ids the same way
constexpr int kCtx = 64;
constexpr int kPruned = 3;

// A TinyStories-like text (the model was trained on such stories), written for this test.
constexpr const char* kText =
    "Once upon a time, there was a little dog named Max. Max liked to run in the big green park "
    "near his house. Every morning he ran to the pond to see the ducks.\n"
    "One day, Max saw a red ball under a tree. He wanted to play with it, but a small girl named "
    "Sue was sitting next to it. Sue was sad because she had lost her kite.\n"
    "Max picked up the ball and put it in front of Sue. Sue smiled and threw the ball far away. "
    "Max ran and ran and brought it back. They played all day long.\n"
    "When the sun went down, Sue's mom came to the park. \"Thank you for playing with Sue,\" she "
    "said to Max. Max wagged his tail. He was very happy.\n"
    "The next day, Sue came back to the park with a new kite. The wind was strong and the kite "
    "flew high in the sky. Max barked at the kite and Sue laughed.\n"
    "Then the kite got stuck in a tall tree. Sue was scared that it would break. Max had an idea. "
    "He ran to find Tom, the big boy who lived next door. Tom climbed the tree and got the kite.\n"
    "Sue said, \"Thank you, Tom! Thank you, Max!\" From that day on, Sue, Tom and Max were best "
    "friends. They played in the park every day, and they always shared their toys.\n"
    "Once upon a time, in a small house by the sea, there lived an old cat named Tim. Tim liked to "
    "sleep in the sun and watch the boats go by. One day a bird sat on the window and sang a song. "
    "Tim opened one eye and listened. The song was so pretty that Tim did not want to chase the bird.\n";

QJsonObject run_json(const QString& args) {
  const auto r = run_cli(args.toStdString(), /*stdout_only=*/true);
  if (r.exit_code != 0) {
    const auto with_errors = run_cli(args.toStdString());
    qWarning("depthscope-cli %s failed (%d): %s", qPrintable(args), r.exit_code, with_errors.output.c_str());
    return {};
  }
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(r.output), &error);
  if (error.error != QJsonParseError::NoError) qWarning("not JSON: %s", r.output.c_str());
  return doc.object();
}

QString exact(double v) { return QString::number(v, 'g', 17); }

}  // namespace

class TestGuiCliAgreement : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    set_threads(0);
  }

  void inspect_panel_and_cli_give_identical_perplexities() {
    DS_QREQUIRE_SHARED(kModel);
    DS_QREQUIRE_SHARED(kTokenizer);
    const QString model = QString::fromStdString(shared_data(kModel));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString text = dir.filePath("story.txt");
    {
      QFile f(text);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(kText);
    }

    // GUI: the Inspect panel on the opened checkpoint.
    InspectPanel panel;
    panel.resize(1200, 800);
    panel.set_session(ModelSession::open(model.toStdString(), RunControl()));
    panel.set_evaluation(kMaxTokens, kCtx, kPruned);
    panel.set_evaluation_text(text);
    QSignalSpy done(&panel, &InspectPanel::finished);
    QSignalSpy failed(&panel, &InspectPanel::failed);
    panel.analyse();
    QTRY_VERIFY_WITH_TIMEOUT(done.count() + failed.count() > 0, 300000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    QCOMPARE(done.first().first().toBool(), false);

    // CLI: the same model, text and settings, on as many tensor threads as this process uses
    // (a different thread count may change the last bits of a sum).
    const QString threads_arg = QString("--threads %1 ").arg(threads());
    const QString common = QString(" \"%1\" --text \"%2\" --max-tokens %3 --ctx %4")
                               .arg(model, text).arg(kMaxTokens).arg(kCtx);
    const QJsonObject sweep =
        run_json(threads_arg + "prune-sweep" + common + QString(" --greedy --greedy-steps %1 --json").arg(kPruned));
    QVERIFY2(!sweep.isEmpty(), "prune-sweep gave no JSON");
    const QJsonObject ppl = run_json(threads_arg + "perplexity" + common + " --json");
    QVERIFY2(!ppl.isEmpty(), "perplexity gave no JSON");

    // Baseline PPL.
    const double cli_baseline = sweep["baseline"].toObject()["ppl"].toDouble();
    QVERIFY(cli_baseline > 1.0);
    QCOMPARE(exact(panel.charts().baseline_ppl()), exact(cli_baseline));
    QCOMPARE(exact(ppl["ppl"].toDouble()), exact(cli_baseline));

    // Every ΔPPL bar, layer by layer (on the linear axis: the log axis floors them at 0.001).
    panel.findChild<QCheckBox*>("removal_log")->setChecked(false);
    const QJsonArray layers = sweep["layers"].toArray();
    QCOMPARE(layers.size(), 5);
    QCOMPARE(panel.charts().removal->bars()->dataCount(), 5);
    for (int i = 0; i < layers.size(); ++i) {
      const QJsonObject l = layers[i].toObject();
      const auto bar = panel.charts().removal->bars()->data()->at(i);
      QCOMPARE(int(bar->key), l["layer"].toInt());
      QCOMPARE(exact(bar->value), exact(l["delta_ppl"].toDouble()));
    }

    // Every point of the greedy pruning curve (step 0 is the full model).
    const QJsonArray greedy = sweep["greedy"].toArray();
    QCOMPARE(panel.charts().pruning_graph->dataCount(), kPruned + 1);
    QCOMPARE(greedy.size(), kPruned + 1);
    for (int k = 0; k < greedy.size(); ++k) {
      const QJsonObject g = greedy[k].toObject();
      const auto point = panel.charts().pruning_graph->data()->at(k);
      QCOMPARE(int(point->key), g["removed_count"].toInt());
      QCOMPARE(exact(point->value), exact(g["ppl"].toDouble()));
    }
  }
};

QTEST_MAIN(TestGuiCliAgreement)
#include "test_gui_cli_agreement.moc"
