#pragma once
// The precision a run trains in: the "dtype" field of a training spec (docs/training.md) and
// `train` / `bench-train --dtype`. The device is core/runtime/device_choice.h's. Torch-free.
#include <string>

#include "core/runtime/device_choice.h"

namespace depthscope {

// f32: everything in float32 (the CPU reference, bit for bit). bf16: mixed precision on CUDA —
// forward and backward GEMMs and attention in bfloat16 under autocast, float32 master weights,
// float32 loss, gradients and Adam state (core/train/autocast_region.h).
enum class TrainDtype { f32, bf16 };

// "f32" | "float32" | "bf16" | "bfloat16"; anything else throws UsageError naming the choices.
TrainDtype parse_train_dtype(const std::string& text);
const char* to_string(TrainDtype dtype);

// Why `dtype` cannot train on `device` ("" when it can): bf16 is built for CUDA devices.
std::string train_dtype_problem(TrainDtype dtype, const ComputeDevice& device);

// Why this process cannot train on `device` ("" when it can): device_unavailable_reason with
// what to do about it.
std::string train_device_problem(const ComputeDevice& device);

}  // namespace depthscope
