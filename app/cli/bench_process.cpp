#include "app/cli/bench_process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "core/error.h"

extern char** environ;

namespace depthscope::cli {

std::string self_executable() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) throw UsageError("cannot read /proc/self/exe: " + std::string(std::strerror(errno)));
  std::string path(buf, static_cast<std::size_t>(n));
  // Rebuilt while running: the link names the old file " (deleted)"; the new one is at the path.
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
    path.resize(path.size() - deleted.size());
  return path;
}

const char* keep_policy_tunables() {
  return "GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4611686018427387904";
}

std::vector<std::string> environment_with(const std::vector<std::string>& drop, const std::vector<std::string>& add) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var = *e;
    bool dropped = false;
    for (const std::string& name : drop) dropped = dropped || var.rfind(name, 0) == 0;
    if (!dropped) env.push_back(var);
  }
  env.insert(env.end(), add.begin(), add.end());
  return env;
}

ServePeer::ServePeer(const std::vector<std::string>& argv, const std::vector<std::string>& env, std::string what)
    : what_(std::move(what)) {
  if (argv.empty()) throw UsageError("cannot start " + what_ + ": no program");
  signal(SIGPIPE, SIG_IGN);  // a peer that exits makes the write fail instead of killing us
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0) throw UsageError("cannot start " + what_ + ": pipe failed");
  if (pipe(from_child) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    throw UsageError("cannot start " + what_ + ": pipe failed");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
  posix_spawn_file_actions_addclose(&fa, to_child[1]);
  posix_spawn_file_actions_addclose(&fa, from_child[0]);
  std::vector<std::string> env_copy = env, argv_copy = argv;
  std::vector<char*> envp, args;
  for (std::string& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (std::string& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawnp(&pid_, argv_copy[0].c_str(), &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) {
    close(to_child[1]);
    close(from_child[0]);
    pid_ = -1;
    throw UsageError("cannot start " + what_ + ": " + std::strerror(rc));
  }
  in_ = fdopen(from_child[0], "r");
  out_ = fdopen(to_child[1], "w");
}

ServePeer::~ServePeer() {
  if (out_) fclose(out_);
  if (in_) fclose(in_);
  int status = 0;
  if (pid_ > 0) waitpid(pid_, &status, 0);
}

nlohmann::json ServePeer::read_reply() {
  char* buf = nullptr;
  size_t cap = 0;
  const ssize_t n = getline(&buf, &cap, in_);
  std::string reply = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  free(buf);
  if (reply.empty()) throw UsageError(what_ + " exited; its error is above");
  const nlohmann::json j = nlohmann::json::parse(reply, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw UsageError(what_ + " answered '" + reply + "', not a JSON object");
  if (j.contains("error")) throw UsageError(what_ + ": " + j["error"].dump());
  return j;
}

nlohmann::json ServePeer::ask(const nlohmann::json& cmd) {
  const std::string line = cmd.dump() + "\n";
  if (fputs(line.c_str(), out_) < 0 || fflush(out_) != 0) throw UsageError(what_ + " exited; its error is above");
  return read_reply();
}

nlohmann::json run_for_json(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  const std::string what = argv.empty() ? std::string("(nothing)") : argv.front();
  std::vector<std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var = *e;
    bool replaced = false;
    for (const std::string& mine : env)
      if (var.compare(0, mine.find('=') + 1, mine, 0, mine.find('=') + 1) == 0) replaced = true;
    if (!replaced) vars.push_back(var);
  }
  vars.insert(vars.end(), env.begin(), env.end());
  std::vector<char*> envp, args;
  for (std::string& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int out[2];
  if (pipe(out) != 0) throw UsageError("cannot run " + what + ": pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, what.c_str(), &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    throw UsageError("cannot run " + what + ": " + std::strerror(rc));
  }
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw UsageError(what + " failed (exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                     "); its error is above");
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw UsageError(what + " printed no JSON object");
  return j;
}

namespace {

std::string tok_s(const nlohmann::json& row, const char* key) {
  return row.contains(key) ? std::to_string(static_cast<long long>(row[key].get<double>() + 0.5)) : "-";
}

std::string ratio(const nlohmann::json& row) {
  if (!row.contains("ratio")) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", row["ratio"].get<double>());
  return buf;
}

}  // namespace

void add_avx2_columns(nlohmann::json& result, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {self_executable()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::cerr << "\nThe same matrix under DEPTHSCOPE_CPU_ISA=avx2 (DepthScope's AVX2 kernels, ATen AVX2, OpenBLAS "
               "Haswell on both sides):\n";
  const nlohmann::json avx2 = run_for_json(argv, {"DEPTHSCOPE_CPU_ISA=avx2"});
  result["avx2_run"] = nlohmann::json::object();
  for (const auto& [key, value] : avx2.items())
    if (key != "rows") result["avx2_run"][key] = value;
  std::cerr << "\n| shape | DepthScope tok/s | PyTorch tok/s | ratio | DepthScope AVX2 tok/s | PyTorch AVX2 tok/s | "
               "ratio AVX2 |\n|---|---|---|---|---|---|---|\n";
  for (auto& row : result["rows"]) {
    for (const auto& other : avx2.value("rows", nlohmann::json::array()))
      if (other.value("shape", "") == row.value("shape", "")) row["avx2"] = other;
    const nlohmann::json none = nlohmann::json::object();
    const nlohmann::json& a = row.contains("avx2") ? row["avx2"] : none;
    std::cerr << "| " << row.value("shape", "") << " | " << tok_s(row, "depthscope_tokens_per_s") << " | "
              << tok_s(row, "pytorch_tokens_per_s") << " | " << ratio(row) << " | "
              << tok_s(a, "depthscope_tokens_per_s") << " | " << tok_s(a, "pytorch_tokens_per_s") << " | " << ratio(a)
              << " |\n";
  }
}

}  // namespace depthscope::cli
