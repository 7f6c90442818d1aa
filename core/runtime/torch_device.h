#pragma once
// The torch side of ComputeDevice (core/runtime/device_choice.h): the at::Device it names,
// and waiting for a device's queued work (CUDA runs asynchronously; timings must wait).
#include <c10/core/Device.h>

#include "core/runtime/device_choice.h"

namespace depthscope {

// cpu -> at::kCPU; cuda:N -> at::Device(kCUDA, N) ("cuda" without an index: the current GPU).
at::Device torch_device(const ComputeDevice& d);

// Blocks until the work queued on `d` is done (a no-op on the CPU).
void wait_for_device(const at::Device& d);

}  // namespace depthscope
