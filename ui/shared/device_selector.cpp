#include "ui/shared/device_selector.h"

#include <QSettings>

namespace depthscope::ui {
namespace {
constexpr const char* kSettingsKey = "compute/device";
}

DeviceSelector::DeviceSelector(DeviceOptions options, QWidget* parent)
    : QComboBox(parent), options_(std::move(options)) {
  setObjectName("device_box");
  setSizeAdjustPolicy(QComboBox::AdjustToContents);
  for (const DeviceOption& o : options_.options) addItem(o.label, QString::fromStdString(o.device.name()));
  if (!options_.gpu_offered()) {
    setEnabled(false);
    setToolTip(QString("Device: cpu. No GPU to offer: %1. Models open and analyses run on the CPU.")
                   .arg(options_.unavailable));
    return;
  }
  setToolTip(QString("Device: where checkpoints are opened and the analyses run (Inspect, Compare, Depth at a glance). "
                     "Changing it reopens the open checkpoint there.%1")
                 .arg(options_.fake ? QString(" These GPUs come from %1 (a test hook).").arg(kFakeGpusVariable)
                                    : QString()));
  const int saved = findData(QSettings().value(kSettingsKey, "cpu").toString());
  setCurrentIndex(saved >= 0 ? saved : 0);
  connect(this, &QComboBox::currentIndexChanged, this, [this] {
    QSettings().setValue(kSettingsKey, currentData().toString());
    if (!quiet_) emit device_changed();
  });
}

ComputeDevice DeviceSelector::device() const {
  const int i = currentIndex();
  return i >= 0 && i < static_cast<int>(options_.options.size()) ? options_.options[i].device : ComputeDevice{};
}

bool DeviceSelector::select(const ComputeDevice& d, bool notify) {
  const int i = findData(QString::fromStdString(d.name()));
  if (i < 0) return false;
  quiet_ = !notify;
  setCurrentIndex(i);
  quiet_ = false;
  return true;
}

}  // namespace depthscope::ui
