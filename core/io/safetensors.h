#pragma once
// Reading and writing safetensors files as float32 ATen tensors.
//
// Reading maps the file (MappedFile). read_tensor_as_stored keeps the file's dtype: a tensor
// whose data is aligned to its element size is a zero-copy view of the mapping (the tensor's
// deleter holds the mapping alive), others are copied once; checkpoints load this way, so an
// F16/BF16 checkpoint takes 2 bytes per weight (widened per layer while it runs,
// float32_layer in core/model/weights.h). read_tensor / load_safetensors give float32
// (F32 zero-copy as above; F16 / BF16 converted once).
// Writing stores F32 by default (F16 or BF16 on request) and is atomic (AtomicFileWriter:
// <path>.tmp then rename).
#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/io/mapped_file.h"
#include "core/io/safetensors_header.h"
#include "core/runtime/progress.h"

namespace depthscope {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// An opened, validated safetensors file.
struct SafetensorsFile {
  std::string path;
  std::shared_ptr<MappedFile> map;
  SafetensorsHeader header;
};

SafetensorsFile open_safetensors(const std::string& path);

// One tensor of an opened file as float32 (contiguous, CPU).
at::Tensor read_tensor(const SafetensorsFile& file, const SafetensorsEntry& entry);

// One tensor of an opened file in its stored dtype (F32, F16 or BF16; contiguous, CPU), a
// view of the read-only mapping when aligned: never write to it in place.
at::Tensor read_tensor_as_stored(const SafetensorsFile& file, const SafetensorsEntry& entry);

// Every tensor of the file, in file order, as float32. Reports progress per tensor and
// checks for cancellation between tensors.
NamedTensors load_safetensors(const std::string& path, const RunControl& control = RunControl());

// Writers store F32 by default; F16 and BF16 (SafetensorsDtype, safetensors_header.h) halve
// the file (rounding to nearest even); F16 values beyond +-65504 become +-Inf, so F16 suits
// weights, not arbitrary tensors.
// "f32"/"F32"/"float32", "f16"/"F16"/"float16", "bf16"/"BF16"/"bfloat16"; throws UsageError otherwise.
SafetensorsDtype safetensors_dtype_from_string(const std::string& name);

// Writes `tensors` (any float dtype, any device; stored as `dtype`, F32 by default) in the
// given order, with `metadata` as __metadata__. Throws UsageError for an empty or repeated
// name, FileError naming the file when writing fails.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {},
                      SafetensorsDtype dtype = SafetensorsDtype::f32);

}  // namespace depthscope
