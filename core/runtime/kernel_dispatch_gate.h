#pragma once
// Whether DepthScope's CUDA kernels run on a given CUDA device, asked once per device.
//
// The kernels are built for a list of architectures (cmake/depthscope_cuda_architectures.cmake).
// On a GPU outside it, with no PTX the driver can compile for it, every launch would fail with
// "no kernel image is available"; instead such a device takes the ATen path, and the reason is
// logged once. The probe is injected, so the gate is tested on a machine without a GPU
// (tests/core/runtime/kernel_dispatch_gate_test.cpp). Torch-free and CUDA-free.
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace depthscope {

class KernelDeviceGate {
 public:
  // probe(device): "" when the kernels can run on the device, else why not (the process's
  // probe is kernels::kernel_image_error, kernels/device_info.h). log(line): called once for
  // each device the kernels cannot run on.
  using Probe = std::function<std::string(int device)>;
  using Log = std::function<void(const std::string& line)>;
  KernelDeviceGate(Probe probe, Log log);

  // True when the kernels run on `device`. The first call for a device probes it (under a
  // lock: concurrent first calls probe once); later calls read the answer.
  bool runs_on(int device);
  // "" when they do, else the probe's answer (probing first if need be).
  std::string why_not(int device);

 private:
  const std::string& answer(int device);

  Probe probe_;
  Log log_;
  std::mutex mutex_;
  std::map<int, std::string> answers_;  // guarded by mutex_; a device's entry never changes once set
};

// The line logged for a device the kernels cannot run on.
std::string kernel_fallback_message(int device, const std::string& reason);

}  // namespace depthscope
