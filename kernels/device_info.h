#pragma once
// The CUDA devices this process sees, and whether DepthScope's kernels can run on one.
// Plain functions: no torch and no CUDA headers here, so core and tests include it without nvcc.
#include <string>

namespace depthscope::kernels {

// Number of usable CUDA devices. 0 when there is no GPU or no driver
// (cudaErrorNoDevice / cudaErrorInsufficientDriver are treated as "no GPU").
int cuda_device_count();

// Human-readable name, memory and architecture of device `index`, e.g.
// "NVIDIA H100 80GB HBM3 (79 GiB, sm_90)".
std::string cuda_device_description(int index);

// Empty when the kernels have code for device `index` (a binary for its architecture, or PTX
// the driver can compile for it); else why not, e.g. "no kernel image is available for
// execution on the device (NVIDIA T4, sm_75)". Asks the runtime for a kernel's attributes
// (cudaFuncGetAttributes), which fails exactly where a launch would fail for lack of an image;
// launches nothing. Every kernel is built for the same architectures (kernels/CMakeLists.txt),
// so one probe answers for all. core asks once per device (core/runtime/kernel_dispatch_gate.h).
std::string kernel_image_error(int index);

}  // namespace depthscope::kernels
