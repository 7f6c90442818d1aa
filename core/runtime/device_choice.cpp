#include "core/runtime/device_choice.h"

#include <ATen/Context.h>
#include <torch/version.h>

#include <cctype>

#include "core/error.h"

namespace depthscope {

std::string ComputeDevice::name() const {
  if (kind == Kind::cpu) return "cpu";
  return index < 0 ? "cuda" : "cuda:" + std::to_string(index);
}

ComputeDevice parse_device(const std::string& text, const std::string& option) {
  const auto bad = [&] {
    return UsageError(option + " " + (text.empty() ? "''" : text) +
                      ": expected cpu, cuda or cuda:N (N the GPU's index, 0 for the first)");
  };
  if (text == "cpu") return {};
  const std::string cuda = "cuda";
  if (text.compare(0, cuda.size(), cuda) != 0) throw bad();
  ComputeDevice d;
  d.kind = ComputeDevice::Kind::cuda;
  if (text.size() == cuda.size()) return d;
  if (text[cuda.size()] != ':') throw bad();
  const std::string digits = text.substr(cuda.size() + 1);
  if (digits.empty() || digits.size() > 4) throw bad();
  for (char c : digits)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw bad();
  d.index = std::stoi(digits);
  return d;
}

std::string device_unavailable_reason(const ComputeDevice& d) {
  if (!d.is_cuda()) return "";
  const std::string torch = std::string("LibTorch (") + TORCH_VERSION;
  if (!at::Context::hasCUDART()) return "this " + torch + ", CPU-only) has no CUDA";
  const std::size_t gpus = at::getNumGPUs();
  if (gpus == 0)
    return "this " + torch + ", with CUDA) sees no GPU (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
  if (d.index >= 0 && static_cast<std::size_t>(d.index) >= gpus)
    return "there " + std::string(gpus == 1 ? "is 1 GPU (cuda:0)"
                                            : "are " + std::to_string(gpus) + " GPUs (cuda:0..cuda:" +
                                                  std::to_string(gpus - 1) + ")");
  return "";
}

ComputeDevice require_device(const std::string& text, const std::string& option) {
  ComputeDevice d = parse_device(text, option);
  const std::string why = device_unavailable_reason(d);
  if (!why.empty()) throw UsageError(option + " " + text + ": " + why);
  if (d.is_cuda() && d.index < 0) d.index = 0;
  return d;
}

}  // namespace depthscope
