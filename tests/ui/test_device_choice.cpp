// The GUI's device choice (issue 12): the status bar's Device box and the New experiment
// dialog's Device / Precision fields. Without a GPU (this machine) the box stays on cpu,
// disabled, its tooltip giving core's reason, and everything runs as before. With the test
// hook DEPTHSCOPE_FAKE_GPUS the GPU-present path is exercised: the box lists the GPU,
// remembers the choice, and a checkpoint opened "on" it gets core's refusal in a dialog, then
// opens on the CPU (the window keeps working).
#include <QComboBox>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QtTest>
#include <qcustomplot.h>

#include "core/runtime/device_choice.h"
#include "core/runtime/threads.h"
#include "ui/compare/compare_checkpoints.h"
#include "ui/compare/compare_controls.h"
#include "ui/compare/compare_panel.h"
#include "ui/shared/crosshair.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/comparison_exporter.h"
#include "ui/compare/run_comparison_view.h"
#include "ui/compare/checkpoint_grid.h"
#include "ui/glance/depth_glance_panel.h"
#include "ui/shared/chart.h"
#include "ui/shared/device_options.h"
#include "ui/shared/device_selector.h"
#include "ui/shared/log_panel.h"
#include "ui/shell/app.h"
#include "ui/shell/checkpoint_opener.h"
#include "ui/shell/main_window.h"
#include "ui/shell/presenter_mode.h"
#include "ui/shell/window_runs.h"
#include "ui_test_support.h"
#include "ui/train/new_experiment_dialog.h"

using namespace depthscope;
using namespace depthscope::ui;

namespace {

const char* kFakeGpu = "NVIDIA H200 (139 GiB)";

ComputeDevice cuda0() { return parse_device("cuda:0"); }

// Core's reason why this process cannot use cuda:0 ("this LibTorch (1.13.0, CPU-only) has no CUDA").
QString cuda_reason() { return QString::fromStdString(device_unavailable_reason(cuda0())); }

QJsonObject spec_object(const NewExperimentDialog& d) {
  return QJsonDocument::fromJson(d.spec_json().toUtf8()).object();
}

QString stories() { return QString::fromStdString(test::shared_data("llama2c/stories260K.bin")); }

}  // namespace

class TestDeviceChoice : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    depthscope::test::use_own_settings();
    configure_application();
    QSettings().clear();
    set_threads(0);
    if (!cuda_reason().isEmpty()) return;
    QSKIP("this machine has a usable GPU: the no-GPU and fake-GPU paths are for CPU-only machines");
  }

  void init() {
    qunsetenv(kFakeGpusVariable);
    QSettings().remove("compute/device");
  }
  void cleanup() { qunsetenv(kFakeGpusVariable); }

  // The list itself, from reports of our choosing.
  void options_follow_the_report() {
    DeviceReport none;
    DeviceOptions o = device_options_from(none, QString());
    QCOMPARE(int(o.options.size()), 1);
    QCOMPARE(o.options[0].label, QString("cpu"));
    QVERIFY(!o.gpu_offered());
    QCOMPARE(o.unavailable, cuda_reason());  // core's own sentence

    DeviceReport kernels_only;  // DepthScope's kernels see a GPU, LibTorch is CPU-only: not offered
    kernels_only.kernels_built = true;
    kernels_only.cuda_available = true;
    kernels_only.devices = {"NVIDIA H100 (79 GiB)"};
    QVERIFY(!device_options_from(kernels_only, QString()).gpu_offered());

    DeviceReport gpus = kernels_only;
    gpus.torch_cuda = true;
    gpus.devices = {"NVIDIA H100 (79 GiB)", "NVIDIA H100 (79 GiB)"};
    o = device_options_from(gpus, QString());
    QCOMPARE(int(o.options.size()), 3);
    QCOMPARE(o.options[2].label, QString("cuda:1 · NVIDIA H100 (79 GiB)"));
    QCOMPARE(o.options[2].device, parse_device("cuda:1"));
    QVERIFY(o.unavailable.isEmpty());
    QVERIFY(!o.fake);
    QCOMPARE(device_in_use_text(o, parse_device("cuda:1")), QString("cuda:1 (NVIDIA H100 (79 GiB))"));
    QCOMPARE(device_in_use_text(o, ComputeDevice{}), QString("cpu"));

    o = device_options_from(none, QString("%1; Fake B").arg(kFakeGpu));
    QVERIFY(o.fake);
    QCOMPARE(int(o.options.size()), 3);
    QCOMPARE(o.options[1].label, QString("cuda:0 · NVIDIA H200 (139 GiB)"));
    QCOMPARE(o.options[2].label, QString("cuda:1 · Fake B"));
  }

  void no_gpu_box_is_disabled_with_the_reason() {
    MainWindow window(false);
    DeviceSelector* box = window.parts().device_box;
    QVERIFY(box);
    QVERIFY(!box->isEnabled());
    QCOMPARE(box->count(), 1);
    QCOMPARE(box->device(), ComputeDevice{});
    QVERIFY2(box->toolTip().contains(cuda_reason()), qPrintable(box->toolTip()));
    auto* label = window.findChild<QLabel*>("device_label");
    QVERIFY(label);
    QVERIFY2(label->text().startsWith(QString("CPU · %1 threads · ").arg(threads())), qPrintable(label->text()));
    QCOMPARE(window.parts().depth_glance->device(), ComputeDevice{});
  }

  void no_gpu_checkpoint_opens_on_the_cpu() {
    DS_QREQUIRE_SHARED("llama2c/stories260K.bin");
    QSettings().setValue("compute/device", "cuda:0");  // remembered from elsewhere: not offered here
    MainWindow window(false);
    QCOMPARE(window.parts().device_box->device(), ComputeDevice{});
    QSignalSpy loaded(&window, &MainWindow::checkpoint_loaded);
    window.open_path(stories());
    QVERIFY(loaded.wait(120000));
    QCOMPARE(loaded.first().at(0).toBool(), true);
    QCOMPARE(window.parts().opener->session_device(), ComputeDevice{});
    QVERIFY(!window.findChild<QMessageBox*>("device_error"));
    QVERIFY(!window.parts().log_panel->text().contains(" on cuda"));
  }

  void fake_gpu_is_listed_and_remembered() {
    qputenv(kFakeGpusVariable, kFakeGpu);
    {
      MainWindow window(false);
      DeviceSelector* box = window.parts().device_box;
      QVERIFY(box->isEnabled());
      QCOMPARE(box->count(), 2);
      QCOMPARE(box->itemText(0), QString("cpu"));
      QCOMPARE(box->itemText(1), QString("cuda:0 · NVIDIA H200 (139 GiB)"));
      QCOMPARE(box->device(), ComputeDevice{});  // cpu until chosen
      QVERIFY2(box->toolTip().contains(kFakeGpusVariable), qPrintable(box->toolTip()));
      QSignalSpy changed(box, &DeviceSelector::device_changed);
      box->setCurrentIndex(1);  // as the user picks it
      QCOMPARE(changed.count(), 1);
      QCOMPARE(QSettings().value("compute/device").toString(), QString("cuda:0"));
      auto* label = window.findChild<QLabel*>("device_label");
      QVERIFY2(label->text().startsWith("cuda:0 (NVIDIA H200 (139 GiB)) · "), qPrintable(label->text()));
      QCOMPARE(window.parts().depth_glance->device(), cuda0());
    }
    MainWindow again(false);
    QCOMPARE(again.parts().device_box->device(), cuda0());
    qunsetenv(kFakeGpusVariable);
    MainWindow without(false);  // the GPU is gone: cpu, and the remembered choice stays for later
    QCOMPARE(without.parts().device_box->device(), ComputeDevice{});
    QCOMPARE(QSettings().value("compute/device").toString(), QString("cuda:0"));
  }

  // Choosing the fake GPU and opening a model: core refuses cuda:0 with its reason, shown in
  // a dialog; the box goes back to cpu and the checkpoint opens there.
  void fake_gpu_open_reports_core_error_then_falls_back_to_cpu() {
    DS_QREQUIRE_SHARED("llama2c/stories260K.bin");
    qputenv(kFakeGpusVariable, kFakeGpu);
    MainWindow window(false);
    window.show();
    QVERIFY(window.parts().device_box->select(cuda0()));
    QSignalSpy loaded(&window, &MainWindow::checkpoint_loaded);
    window.open_path(stories());
    QVERIFY(loaded.wait(60000));
    QCOMPARE(loaded.first().at(0).toBool(), false);
    const QString message = loaded.first().at(1).toString();
    QVERIFY2(message.contains("cuda:0") && message.contains(cuda_reason()), qPrintable(message));
    auto* box = window.findChild<QMessageBox*>("device_error");
    QVERIFY(box);
    QVERIFY2(box->informativeText().contains(cuda_reason()), qPrintable(box->informativeText()));
    QVERIFY2(box->text().contains("cuda:0") && box->text().contains("cpu"), qPrintable(box->text()));
    QVERIFY2(box->detailedText().contains(kFakeGpusVariable), qPrintable(box->detailedText()));
    QVERIFY(!window.findChild<QMessageBox*>("load_error"));  // the file was not the problem
    QCOMPARE(window.parts().device_box->device(), ComputeDevice{});
    QCOMPARE(QSettings().value("compute/device").toString(), QString("cpu"));
    QVERIFY(window.findChild<QLabel*>("device_label")->text().startsWith("CPU · "));
    box->close();
    if (loaded.count() < 2) QVERIFY(loaded.wait(120000));  // the same file, opened on the CPU
    QCOMPARE(loaded.at(1).at(0).toBool(), true);
    QCOMPARE(window.parts().opener->session_device(), ComputeDevice{});
    QVERIFY(window.parts().opener->session());
  }

  // A checkpoint open on the CPU follows a change of device: opened again on cuda:0, refused
  // there, and open on the CPU once more.
  void device_change_reopens_the_open_checkpoint() {
    DS_QREQUIRE_SHARED("llama2c/stories260K.bin");
    qputenv(kFakeGpusVariable, kFakeGpu);
    MainWindow window(false);
    window.show();
    QSignalSpy loaded(&window, &MainWindow::checkpoint_loaded);
    window.open_path(stories());
    QVERIFY(loaded.wait(120000));
    QCOMPARE(loaded.first().at(0).toBool(), true);
    window.parts().device_box->setCurrentIndex(1);  // cuda:0, as the user picks it
    QVERIFY(window.parts().log_panel->text().contains("Opening " + stories() + " on cuda:0 (NVIDIA H200 (139 GiB))"));
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 3, 120000);  // refused on cuda:0, then opened on the CPU
    QCOMPARE(loaded.at(1).at(0).toBool(), false);
    QCOMPARE(loaded.at(2).at(0).toBool(), true);
    QVERIFY(window.findChild<QMessageBox*>("device_error"));
    QCOMPARE(window.parts().device_box->device(), ComputeDevice{});
    QCOMPARE(window.parts().opener->session_device(), ComputeDevice{});
  }

  // A checkpoint added to Compare on the fake GPU: core's refusal once, then analysed on the CPU.
  void fake_gpu_compare_falls_back_to_cpu() {
    DS_QREQUIRE_SHARED("llama2c/stories260K.bin");
    qputenv(kFakeGpusVariable, kFakeGpu);
    MainWindow window(false);
    window.show();
    QVERIFY(window.parts().device_box->select(cuda0()));
    ComparePanel* compare = window.parts().compare;
    QCOMPARE(compare->checkpoints()->settings().device, cuda0());
    compare->checkpoints()->set_evaluation(512, 64);
    QVERIFY(compare->checkpoints()->add(stories()));
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<QMessageBox*>("device_error"), 60000);
    auto* box = window.findChild<QMessageBox*>("device_error");
    QVERIFY2(box->informativeText().contains(cuda_reason()), qPrintable(box->informativeText()));
    QVERIFY2(box->text().startsWith("Compare cannot run on cuda:0"), qPrintable(box->text()));
    QCOMPARE(compare->checkpoints()->settings().device, ComputeDevice{});
    // Listed again and analysed on the CPU: every layer of the 5-layer model.
    const auto layers_drawn = [compare] {
      const QList<Chart*> charts = compare->checkpoint_grid()->variance_charts();
      return charts.size() == 1 && charts.front()->graphCount() > 0 ? charts.front()->graph(0)->dataCount() : -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(layers_drawn() == 5 && !compare->busy(), 240000);
    QCOMPARE(compare->checkpoints()->paths().size(), 1);
    QCOMPARE(window.findChildren<QMessageBox*>("device_error").size(), 1);
  }

  // Depth at a glance on the fake GPU: core's refusal, then the same curves on the CPU.
  void fake_gpu_glance_falls_back_to_cpu() {
    qputenv(kFakeGpusVariable, kFakeGpu);
    MainWindow window(false);
    window.show();
    QVERIFY(window.parts().device_box->select(cuda0()));
    QSignalSpy done(window.parts().depth_glance, &DepthGlancePanel::finished);
    window.parts().depth_glance->set_model_size(3, 64);
    window.parts().depth_glance->recompute();
    QVERIFY(done.wait(60000));  // the run on the CPU that follows the refusal
    QCOMPARE(done.first().at(0).toBool(), false);
    auto* box = window.findChild<QMessageBox*>("device_error");
    QVERIFY(box);
    QVERIFY2(box->informativeText().contains(cuda_reason()), qPrintable(box->informativeText()));
    QVERIFY(!window.findChild<QMessageBox*>("glance_error"));
    QCOMPARE(window.parts().depth_glance->device(), ComputeDevice{});
    QCOMPARE(window.parts().depth_glance->graph(NormScheme::pre)->dataCount(), 3);
    QCOMPARE(window.parts().depth_glance->graph(NormScheme::lns)->dataCount(), 3);
  }

  void dialog_without_gpu_keeps_the_spec() {
    NewExperimentDialog d;
    auto* device = d.findChild<QComboBox*>("exp_device");
    auto* dtype = d.findChild<QComboBox*>("exp_dtype");
    QVERIFY(device && dtype);
    QVERIFY(!device->isEnabled() && !dtype->isEnabled());
    QVERIFY2(device->toolTip().contains(cuda_reason()), qPrintable(device->toolTip()));
    QVERIFY2(dtype->toolTip().contains(cuda_reason()), qPrintable(dtype->toolTip()));
    const QJsonObject spec = spec_object(d);
    QVERIFY(!spec.contains("device") && !spec.contains("dtype"));
    QVERIFY2(d.acceptable(), qPrintable(d.error_text()));
    QVERIFY(!d.set_device("cuda:0", "bf16"));
  }

  void dialog_with_fake_gpu_writes_device_and_dtype_only_when_chosen() {
    qputenv(kFakeGpusVariable, kFakeGpu);
    NewExperimentDialog plain(nullptr, device_options_from(DeviceReport{}, QString()));
    NewExperimentDialog d;
    plain.set_name("same");
    d.set_name("same");
    auto* device = d.findChild<QComboBox*>("exp_device");
    auto* dtype = d.findChild<QComboBox*>("exp_dtype");
    QVERIFY(device->isEnabled() && dtype->isEnabled());
    QCOMPARE(device->count(), 2);
    QCOMPARE(device->itemText(1), QString("cuda:0 · NVIDIA H200 (139 GiB)"));
    // Default: cpu, f32, and the spec is byte for byte the one without a GPU.
    QCOMPARE(d.spec_json(), plain.spec_json());
    QVERIFY(d.acceptable());
    // bf16 is offered on a GPU only.
    auto* model = qobject_cast<QStandardItemModel*>(dtype->model());
    QVERIFY(model);
    QVERIFY(!model->item(1)->isEnabled());
    QVERIFY(!d.set_device("cpu", "bf16"));
    QVERIFY(d.set_device("cuda:0", "bf16"));
    QVERIFY(model->item(1)->isEnabled());
    QJsonObject spec = spec_object(d);
    QCOMPARE(spec.value("device").toString(), QString("cuda:0"));
    QCOMPARE(spec.value("dtype").toString(), QString("bf16"));
    // The CLI's parser checks the device on this machine: not launchable, with core's reason.
    QVERIFY(!d.acceptable());
    QVERIFY2(d.error_text().contains("device") && d.error_text().contains(cuda_reason()), qPrintable(d.error_text()));
    QVERIFY(d.set_device("cuda:0", "f32"));
    spec = spec_object(d);
    QCOMPARE(spec.value("device").toString(), QString("cuda:0"));
    QVERIFY(!spec.contains("dtype"));
    QVERIFY(d.set_device("cpu"));  // back to the default: the spec is as before
    QCOMPARE(d.spec_json(), plain.spec_json());
    // Choosing cpu while bf16 is selected drops to f32.
    QVERIFY(d.set_device("cuda:0", "bf16"));
    device->setCurrentIndex(0);
    QCOMPARE(dtype->currentData().toString(), QString("f32"));
    QCOMPARE(d.spec_json(), plain.spec_json());
  }
};

QTEST_MAIN(TestDeviceChoice)
#include "test_device_choice.moc"
