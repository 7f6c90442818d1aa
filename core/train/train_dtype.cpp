#include "core/train/train_dtype.h"

#include "core/error.h"

namespace depthscope {

TrainDtype parse_train_dtype(const std::string& text) {
  if (text == "f32" || text == "float32") return TrainDtype::f32;
  if (text == "bf16" || text == "bfloat16") return TrainDtype::bf16;
  throw UsageError("dtype \"" + text + "\" is not one of f32, bf16");
}

const char* to_string(TrainDtype dtype) { return dtype == TrainDtype::bf16 ? "bf16" : "f32"; }

std::string train_dtype_problem(TrainDtype dtype, const ComputeDevice& device) {
  if (dtype == TrainDtype::bf16 && !device.is_cuda())
    return "bf16 mixed precision trains on a CUDA device (\"device\": \"cuda\"); on the cpu train in f32";
  return "";
}

std::string train_device_problem(const ComputeDevice& device) {
  const std::string why = device_unavailable_reason(device);
  if (why.empty()) return "";
  return device.name() + " cannot train here: " + why +
         "; to train on a GPU, build DepthScope against a CUDA LibTorch (CMAKE_PREFIX_PATH), or use \"device\": \"cpu\"";
}

}  // namespace depthscope
