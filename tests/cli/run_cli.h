#pragma once
// Runs depthscope-cli with arguments and captures its output (stdout, plus stderr when asked).
#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

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

}  // namespace depthscope::test
