#pragma once
// The compute devices the GUI offers (the status bar's Device box, the New experiment
// dialog's Device field): the CPU, then each GPU this process can use -- only when
// device_report() finds one and LibTorch has CUDA. Plain logic, no widgets, so tests can
// build it from a report of their choosing.
//
// Test hook: DEPTHSCOPE_FAKE_GPUS="NVIDIA H200 (139 GiB)[;NAME ...]" lists those names as
// cuda:0, cuda:1, ... whatever the machine has. Only this list reads it: opening a model or
// training on such a "GPU" still goes through core, which refuses it with its own reason
// (README.md, GUI). It lets a machine without a GPU exercise the GPU-present path of the GUI.
#include <vector>

#include <QString>

#include "core/runtime/device.h"
#include "core/runtime/device_choice.h"

namespace depthscope::ui {

struct DeviceOption {
  ComputeDevice device;
  QString label;  // "cpu", "cuda:0 · NVIDIA H200 (139 GiB)"
};

struct DeviceOptions {
  std::vector<DeviceOption> options;  // cpu first, then one per GPU
  QString unavailable;  // why no GPU is offered (device_unavailable_reason), "" when one is
  bool fake = false;    // the GPUs came from DEPTHSCOPE_FAKE_GPUS
  bool gpu_offered() const { return options.size() > 1; }
  // The option for `d`, or null when it is not offered.
  const DeviceOption* find(const ComputeDevice& d) const;
};

inline constexpr const char* kFakeGpusVariable = "DEPTHSCOPE_FAKE_GPUS";

// From a report and the hook's value (empty: not set). GPUs are offered when
// report.cuda_available and report.torch_cuda; their names are report.devices, or "GPU N"
// when only LibTorch saw them (DepthScope's kernels not built).
DeviceOptions device_options_from(const DeviceReport& report, const QString& fake_gpus);
// For this process: device_report() and $DEPTHSCOPE_FAKE_GPUS.
DeviceOptions device_options();

// "cpu" or "cuda:0 (NVIDIA H200 (139 GiB))": the device in use, as the status bar shows it.
QString device_in_use_text(const DeviceOptions& options, const ComputeDevice& device);

}  // namespace depthscope::ui
