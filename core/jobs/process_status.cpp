#include "core/jobs/process_status.h"

#include <sys/wait.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace depthscope::jobs {
namespace {

bool named_depthscope(const std::string& path) {
  return std::filesystem::path(path).filename().string().rfind("depthscope", 0) == 0;
}

}  // namespace

std::string exit_description(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + (name ? " (" + std::string(name) + ")" : "");
  }
  return "ended (wait status " + std::to_string(status) + ")";
}

bool killed_by_stop_signal(int status) {
  return WIFSIGNALED(status) && (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGINT);
}

bool is_depthscope_process(std::int64_t pid) {
  if (pid <= 0) return false;
  const std::string proc = "/proc/" + std::to_string(pid);
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink(proc + "/exe", ec);
  if (!ec && named_depthscope(exe.string())) return true;
  std::ifstream in(proc + "/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
  return !argv0.empty() && named_depthscope(argv0);
}

}  // namespace depthscope::jobs
