#pragma once
// Reading and writing safetensors files as float32 ATen tensors.
//
// Reading maps the file (MappedFile). F32 tensors whose data is 4-byte aligned are
// zero-copy views of the mapping (the tensor's deleter holds the mapping alive); other F32
// tensors are copied once; F16 / BF16 are converted to F32 once.
// Writing always stores F32 and is atomic (AtomicFileWriter: <path>.tmp then rename).
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

// Every tensor of the file, in file order, as float32. Reports progress per tensor and
// checks for cancellation between tensors.
NamedTensors load_safetensors(const std::string& path, const RunControl& control = RunControl());

// Writes `tensors` (any float dtype, any device; stored as F32) in the given order, with
// `metadata` as __metadata__. Throws UsageError for an empty or repeated name, FileError
// naming the file when writing fails.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace depthscope
