// Install-relative lookups; see install_layout.h.
#include "core/runtime/install_layout.h"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <system_error>

namespace depthscope {
namespace fs = std::filesystem;

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  return fs::path(std::string(buf, static_cast<size_t>(n))).parent_path().string();
}

std::string data_dir() {
  std::error_code ec;
  const fs::path installed = fs::path(executable_dir()) / ".." / "share" / "depthscope";
  if (fs::is_directory(installed, ec)) return fs::weakly_canonical(installed, ec).string();
  // <src>/core/runtime/install_layout.cpp -> <src>/resources
  const fs::path source = fs::path(__FILE__).parent_path().parent_path().parent_path() / "resources";
  if (source.is_absolute() && fs::is_directory(source, ec)) return source.string();
  return {};
}

std::string find_spec(const std::string& name_or_path) {
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  if (name_or_path.empty() || name_or_path.find('/') != std::string::npos) return {};
  const std::string dir = data_dir();
  if (dir.empty()) return {};
  for (const std::string& name : {name_or_path, name_or_path + ".json"}) {
    const fs::path p = fs::path(dir) / "specs" / name;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

}  // namespace depthscope
