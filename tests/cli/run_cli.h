#pragma once
// Runs depthscope-cli with arguments and captures its output (stdout, plus stderr when asked).
#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>
#include <vector>

namespace depthscope::test {

struct CliResult {
  int exit_code = -1;
  std::string output;
};

// `args` is passed through the shell; stderr goes to the output too unless stdout_only.
inline CliResult run_shell(const std::string& cmd);

inline CliResult run_cli(const std::string& args, bool stdout_only = false) {
  return run_shell(std::string("\"") + DEPTHSCOPE_CLI + "\" " + args + (stdout_only ? " 2>/dev/null" : " 2>&1"));
}

// A whole shell command line (e.g. with `ulimit`), stderr included.
inline CliResult run_cli_shell(const std::string& line) { return run_shell("(" + line + ") 2>&1"); }

inline CliResult run_shell(const std::string& cmd) {
  CliResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Starts depthscope-cli with `args` (argv[0] included) in a child process with `env` added to
// its environment and its output discarded; returns the child's pid (the caller waits for it).
inline pid_t spawn_cli(const std::vector<std::string>& args,
                       const std::vector<std::pair<std::string, std::string>>& env = {}) {
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) _exit(126);
    execv(DEPTHSCOPE_CLI, argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace depthscope::test
