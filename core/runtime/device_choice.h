#pragma once
// The compute device a user asks for (`--device cpu|cuda[:N]`, the GUI's device choice):
// parsed, then checked against this build and this machine. Torch-free, so the GUI and the
// torch-free session header can hold one; core/runtime/torch_device.h turns it into an
// at::Device.
#include <string>

namespace depthscope {

struct ComputeDevice {
  enum class Kind { cpu, cuda };
  Kind kind = Kind::cpu;
  int index = -1;  // CUDA ordinal; -1 = "cuda" as written, without one (GPU 0 once required)

  bool is_cuda() const { return kind == Kind::cuda; }
  // "cpu", "cuda" or "cuda:N", as the option spells it.
  std::string name() const;
  bool operator==(const ComputeDevice& o) const { return kind == o.kind && index == o.index; }
  bool operator!=(const ComputeDevice& o) const { return !(*this == o); }
};

// "cpu", "cuda" or "cuda:N" (N a non-negative integer) -> the device; nothing is checked
// against the machine. Throws UsageError "<option> <text>: expected cpu, cuda or cuda:N ...".
ComputeDevice parse_device(const std::string& text, const std::string& option = "--device");

// Why `d` cannot be used by this process, or "" when it can: CUDA asked of a CPU-only
// LibTorch, no GPU visible, or an index past the GPUs there are.
std::string device_unavailable_reason(const ComputeDevice& d);

// parse_device, then the check: a device this process can use, with "cuda" resolved to
// cuda:0. Throws UsageError "<option> <text>: <reason>", e.g. "--device cuda:0: this
// LibTorch (1.13.0, CPU-only) has no CUDA".
ComputeDevice require_device(const std::string& text, const std::string& option = "--device");

}  // namespace depthscope
