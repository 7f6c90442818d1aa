#include "core/tokenize/read_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace depthscope {

std::string read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FileError(path, "", "is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "", std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw FileError(path, "", "read failed");
  return bytes.str();
}

}  // namespace depthscope
