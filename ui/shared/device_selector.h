#pragma once
// The "Device" box of the status bar: where models are opened and the analyses run (cpu,
// cuda:0, ...), from ui/shared/device_options.h. Offered only when a GPU exists; otherwise
// it stays on cpu, disabled, and its tooltip says why (core's device_unavailable_reason).
// The choice is remembered in QSettings ("compute/device") and restored when that device is
// offered again.
#include <QComboBox>

#include "ui/shared/device_options.h"

namespace depthscope::ui {

class DeviceSelector : public QComboBox {
  Q_OBJECT
 public:
  // `options`: what to offer (device_options() for this process).
  explicit DeviceSelector(DeviceOptions options, QWidget* parent = nullptr);

  ComputeDevice device() const;
  const DeviceOptions& options() const { return options_; }
  // "cpu" or "cuda:0 (NVIDIA H200 (139 GiB))".
  QString device_text() const { return device_in_use_text(options_, device()); }
  // Selects `d` when it is offered and remembers it; false when not. notify: emit
  // device_changed (false: the caller handles the change itself, e.g. a fallback to cpu).
  bool select(const ComputeDevice& d, bool notify = true);

 signals:
  // The user (or select) chose another device.
  void device_changed();

 private:
  DeviceOptions options_;
  bool quiet_ = false;
};

}  // namespace depthscope::ui
