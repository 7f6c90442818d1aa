#pragma once
// Whole-file reads for the tokenizer loaders.
#include <string>

namespace depthscope {

// The bytes of `path`; throws FileError naming it when it cannot be opened or read.
std::string read_file_bytes(const std::string& path);

}  // namespace depthscope
