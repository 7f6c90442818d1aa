#include "core/train/distributed_launch.h"

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/error.h"

namespace depthscope {

using Clock = std::chrono::steady_clock;

std::string RankEnd::describe() const {
  std::string s = "rank " + std::to_string(rank) + " (pid " + std::to_string(pid) + ")";
  if (signal != 0) return s + " was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return s + " exited with code " + std::to_string(exit_code);
}

int free_local_port(const std::string& addr) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw UsageError(std::string("cannot open a socket to find a free port: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  if (inet_pton(AF_INET, addr == "localhost" ? "127.0.0.1" : addr.c_str(), &a.sin_addr) != 1) {
    close(fd);
    throw UsageError("master address " + addr + " is not an IPv4 address");
  }
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    throw UsageError("cannot find a free port on " + addr + ": " + why);
  }
  close(fd);
  return ntohs(a.sin_port);
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

LaunchOutcome launch_local_ranks(const LocalLaunch& l) {
  if (l.nproc < 1) throw UsageError("--nproc must be at least 1");
  if (l.argv.empty()) throw UsageError("nothing to launch");
  const int port = l.master_port > 0 ? l.master_port : free_local_port(l.master_addr);
  std::vector<char*> args;
  for (const std::string& a : l.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  // Everything a rank needs is built before fork: between fork and exec the child calls only
  // async-signal-safe functions (a multi-threaded parent may hold malloc's or the environment's
  // lock in another thread at the moment of fork).
  const std::vector<std::string> names{"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};
  std::vector<std::string> inherited;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (std::find(names.begin(), names.end(), name) == names.end()) inherited.push_back(entry);
  }
  std::vector<std::vector<std::string>> rank_env(static_cast<std::size_t>(l.nproc), inherited);
  std::vector<std::vector<char*>> envp(static_cast<std::size_t>(l.nproc));
  for (int r = 0; r < l.nproc; ++r) {
    std::vector<std::string>& env = rank_env[static_cast<std::size_t>(r)];
    env.push_back("RANK=" + std::to_string(r));
    env.push_back("LOCAL_RANK=" + std::to_string(r));
    env.push_back("WORLD_SIZE=" + std::to_string(l.nproc));
    env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(l.nproc));
    env.push_back("MASTER_ADDR=" + l.master_addr);
    env.push_back("MASTER_PORT=" + std::to_string(port));
    for (std::string& v : env) envp[static_cast<std::size_t>(r)].push_back(v.data());
    envp[static_cast<std::size_t>(r)].push_back(nullptr);
  }
  const std::string exec_failed = std::string("depthscope-cli: cannot run ") + args[0] + "\n";
  std::vector<long> pids;
  for (int r = 0; r < l.nproc; ++r) {
    const pid_t pid = fork();
    if (pid < 0) throw UsageError(std::string("cannot start rank ") + std::to_string(r) + ": " + std::strerror(errno));
    if (pid == 0) {
      // Its own process group (a terminal's Ctrl-C reaches the launcher only, which asks each
      // rank once), and a stop request should the launcher die.
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);
      execve(args[0], args.data(), envp[static_cast<std::size_t>(r)].data());
      const ssize_t ignored = write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
      (void)ignored;
      _exit(127);
    }
    pids.push_back(pid);
  }
  if (l.on_started) l.on_started(pids, port);

  LaunchOutcome out;
  out.ends.resize(static_cast<std::size_t>(l.nproc));
  std::vector<bool> done(static_cast<std::size_t>(l.nproc), false);
  int running = l.nproc;
  bool stop_sent = false;
  Clock::time_point kill_at = Clock::time_point::max();
  while (running > 0) {
    if (!stop_sent && l.stop != nullptr && l.stop->load()) {
      for (int r = 0; r < l.nproc; ++r)
        if (!done[static_cast<std::size_t>(r)]) kill(static_cast<pid_t>(pids[static_cast<std::size_t>(r)]), SIGTERM);
      stop_sent = true;
    }
    if (Clock::now() >= kill_at) {
      for (int r = 0; r < l.nproc; ++r)
        if (!done[static_cast<std::size_t>(r)]) kill(static_cast<pid_t>(pids[static_cast<std::size_t>(r)]), SIGKILL);
      kill_at = Clock::time_point::max();
    }
    bool any = false;
    for (int r = 0; r < l.nproc; ++r) {
      const std::size_t k = static_cast<std::size_t>(r);
      if (done[k]) continue;
      int status = 0;
      const pid_t got = waitpid(static_cast<pid_t>(pids[k]), &status, WNOHANG);
      if (got == 0) continue;
      any = true;
      done[k] = true;
      --running;
      RankEnd& e = out.ends[k];
      e.rank = r;
      e.pid = pids[k];
      if (got < 0) e.exit_code = 1;
      else if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
      else e.exit_code = WEXITSTATUS(status);
      const int code = e.signal != 0 ? 1 : e.exit_code;
      out.exit_code = std::max(out.exit_code, code);
      if (code != 0 && out.first_failed < 0) {
        out.first_failed = r;
        // The others notice within their timeout and say which rank is gone; after that
        // (and a margin for rank 0 to record it) they are killed.
        kill_at = Clock::now() + std::chrono::milliseconds(static_cast<long>((l.timeout_s + 15) * 1000));
      }
    }
    if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return out;
}

}  // namespace depthscope
