#include "core/runtime/memory.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace depthscope {

std::int64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::int64_t>(pages) * page : (std::int64_t{8} << 30);
}

namespace {

// A limit file's value: bytes, or 0 for "max", an unlimited v1 value (about 2^63), or no file.
std::int64_t read_limit(const std::string& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text) || text == "max") return 0;
  try {
    const unsigned long long v = std::stoull(text);
    return v >= (1ULL << 60) ? 0 : static_cast<std::int64_t>(v);
  } catch (const std::exception&) {
    return 0;
  }
}

// The lowest limit in `file_name` from `dir` up to `root` (both under the mount).
std::int64_t lowest_limit(const std::string& root, std::string path, const std::string& file_name) {
  std::int64_t lowest = 0;
  while (true) {
    const std::string dir = root + (path.empty() ? "/" : path);
    const std::int64_t v = read_limit(dir + (dir.back() == '/' ? "" : "/") + file_name);
    if (v > 0 && (lowest == 0 || v < lowest)) lowest = v;
    if (path.empty() || path == "/") return lowest;
    const std::size_t slash = path.find_last_of('/');
    path = slash == std::string::npos ? std::string() : path.substr(0, slash);
  }
}

}  // namespace

std::int64_t cgroup_memory_limit_bytes(const std::string& proc_self_cgroup, const std::string& cgroup_mount) {
  std::istringstream lines(proc_self_cgroup);
  std::string line;
  std::int64_t limit = 0;
  auto take = [&](std::int64_t v) {
    if (v > 0 && (limit == 0 || v < limit)) limit = v;
  };
  while (std::getline(lines, line)) {
    // "hierarchy-id:controller,controller:path"
    const std::size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string id = line.substr(0, a), controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (id == "0" && controllers.empty()) {
      take(lowest_limit(cgroup_mount, path, "memory.max"));  // v2 (unified)
      continue;
    }
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ','))
      if (name == "memory") take(lowest_limit(cgroup_mount + "/memory", path, "memory.limit_in_bytes"));  // v1
  }
  return limit;
}

std::int64_t memory_limit_bytes() {
  static const std::int64_t limit = [] {
    std::ifstream in("/proc/self/cgroup");
    std::stringstream text;
    text << in.rdbuf();
    const std::int64_t group = cgroup_memory_limit_bytes(text.str(), "/sys/fs/cgroup");
    const std::int64_t physical = physical_memory_bytes();
    return group > 0 && group < physical ? group : physical;
  }();
  return limit;
}

std::int64_t default_memory_budget_bytes() {
  return static_cast<std::int64_t>(0.7 * static_cast<double>(physical_memory_bytes()));
}

std::int64_t parse_byte_size(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  for (char& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();
  double scale = 0;
  if (unit.empty()) scale = 1;
  else if (unit == "K") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024.0;
  else if (unit == "G") scale = 1024.0 * 1024.0 * 1024.0;
  else if (unit == "T") scale = 1024.0 * 1024.0 * 1024.0 * 1024.0;
  if (used == 0 || scale == 0 || !(value > 0) || !std::isfinite(value * scale))
    throw UsageError("memory size \"" + text + "\" is not a positive size such as 512M, 8G or 1073741824");
  return static_cast<std::int64_t>(value * scale);
}

std::string format_bytes(std::int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (std::fabs(v) >= 1024.0 && u < 5) {
    v /= 1024.0;
    ++u;
  }
  char buf[64];
  if (u == 0) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

void check_memory_budget(const std::string& what, std::int64_t estimate_bytes, std::int64_t budget_bytes,
                         const std::string& fit_hint) {
  const std::int64_t budget = budget_bytes > 0 ? budget_bytes : default_memory_budget_bytes();
  if (estimate_bytes <= budget) return;
  throw UsageError(what + " needs about " + format_bytes(estimate_bytes) + " of memory, more than the " +
                   format_bytes(budget) + " budget (--memory-budget; default 70% of physical memory)" +
                   (fit_hint.empty() ? std::string() : "; " + fit_hint));
}

}  // namespace depthscope
