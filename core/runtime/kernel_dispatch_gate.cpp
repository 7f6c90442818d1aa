#include "core/runtime/kernel_dispatch_gate.h"

#include <utility>

namespace depthscope {

KernelDeviceGate::KernelDeviceGate(Probe probe, Log log) : probe_(std::move(probe)), log_(std::move(log)) {}

const std::string& KernelDeviceGate::answer(int device) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = answers_.find(device);
  if (it == answers_.end()) {
    std::string reason = probe_(device);
    it = answers_.emplace(device, std::move(reason)).first;
    if (!it->second.empty() && log_) log_(kernel_fallback_message(device, it->second));
  }
  return it->second;  // std::map: the reference stays valid as entries are added
}

bool KernelDeviceGate::runs_on(int device) { return answer(device).empty(); }

std::string KernelDeviceGate::why_not(int device) { return answer(device); }

std::string kernel_fallback_message(int device, const std::string& reason) {
  return "DepthScope's CUDA kernels cannot run on CUDA device " + std::to_string(device) + ": " + reason +
         "; that device takes the ATen path (same results, without the fused kernels)";
}

}  // namespace depthscope
