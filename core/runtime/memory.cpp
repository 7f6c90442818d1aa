#include "core/runtime/memory.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace depthscope {

std::int64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::int64_t>(pages) * page : (std::int64_t{8} << 30);
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
