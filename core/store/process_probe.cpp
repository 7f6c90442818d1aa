#include "core/store/process_probe.h"

#include <fstream>
#include <string>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>

namespace depthscope::store {

std::int64_t wall_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string this_host() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

std::int64_t this_pid() { return static_cast<std::int64_t>(getpid()); }

bool process_alive(std::int64_t pid) {
  if (pid <= 0 || pid > INT_MAX) return false;  // kill(0 or -1, ...) would mean groups
  if (kill(static_cast<pid_t>(pid), 0) != 0) return errno != ESRCH;
  // A zombie (killed, not yet reaped by its parent -- in a container without an init it may
  // never be) answers kill(pid, 0) but runs nothing: state 'Z' in /proc/<pid>/stat.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    const auto close = line.rfind(')');  // the command name may hold spaces and parentheses
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return false;
  }
  return true;
}

}  // namespace depthscope::store
