// fork/exec helpers for the job manager (core/jobs/process_spawn.h). Between fork and exec
// only async-signal-safe calls are made: everything the child needs is prepared before fork.
#include "core/jobs/process_spawn.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace depthscope::jobs {
namespace {

// This process's nice value as the text /proc/<pid>/autogroup accepts ("10").
struct NiceText {
  char text[8] = "0";
  std::size_t size = 1;
  NiceText() {
    const int nice = getpriority(PRIO_PROCESS, 0);
    const int n = std::snprintf(text, sizeof text, "%d", nice);
    size = n > 0 ? static_cast<std::size_t>(n) : 0;
  }
};

// After setsid() the child leads a new scheduling autogroup, which starts at nice 0 whatever the
// parent's nice: give the group the parent's nice, so a lowered job worker's training processes
// stay in the background. Async-signal-safe (open/write/close); silent where autogroups do not exist.
void keep_nice_in_new_session(const NiceText& nice) {
  const int fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t ignored = write(fd, nice.text, nice.size);
  (void)ignored;
  close(fd);
}

// argv as the char* array execv wants; owns nothing, so `args` must outlive it.
std::vector<char*> c_argv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  for (const std::string& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

void require_program(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0].empty()) throw UsageError("no program to start");
}

// The log (created, appended) and /dev/null, opened close-on-exec in the parent so their
// errors can be reported as sentences.
struct StdFiles {
  int log = -1, null = -1;
  explicit StdFiles(const std::string& log_path) {
    std::error_code ec;
    const std::filesystem::path parent = std::filesystem::path(log_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0)
      throw UsageError("cannot open the log file " + log_path + ": " + std::strerror(errno) +
                       " (is its folder writable?)");
    null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  ~StdFiles() {
    if (log >= 0) close(log);
    if (null >= 0) close(null);
  }
};

// Closes descriptors [from, to] (close_range where the kernel has it). Async-signal-safe.
void close_fds(long from, long to) {
  if (from > to) return;
#ifdef SYS_close_range
  if (syscall(SYS_close_range, static_cast<unsigned>(from), static_cast<unsigned>(to), 0) == 0) return;
#endif
  for (long fd = from; fd <= to; ++fd) close(static_cast<int>(fd));
}

// In the child: stdin, stdout, stderr, then every other descriptor closed except `keep_a` and
// `keep_b` (close-on-exec channels to the parent; -1 for none). Async-signal-safe.
void setup_child_fds(const StdFiles& files, int keep_a, int keep_b, long max_fd) {
  if (files.null >= 0) dup2(files.null, 0);
  dup2(files.log, 1);
  dup2(files.log, 2);
  int keep[2] = {keep_a < keep_b ? keep_a : keep_b, keep_a < keep_b ? keep_b : keep_a};
  long from = 3;
  for (int k : keep) {
    if (k < 3) continue;
    close_fds(from, k - 1);
    from = k + 1;
  }
  close_fds(from, max_fd - 1);
}

long max_fd() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 65536;
  return static_cast<long>(std::min<rlim_t>(r.rlim_cur, 1 << 20));
}

// Writes all of `n` bytes (async-signal-safe).
void write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// Reads until EOF (the pipe's writers exited or executed).
std::string read_all(int fd) {
  std::string out;
  char buf[64];
  for (;;) {
    const ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

void wait_quietly(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::string exec_failure(const std::string& program, int err) {
  return "cannot start " + program + ": " + std::strerror(err) +
         (err == ENOENT ? " (the depthscope-cli binary is not there; pass its path)" : "");
}

}  // namespace

std::string self_executable() {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw UsageError("cannot find this program's own path in /proc/self/exe (" + ec.message() +
                     "); give the path of depthscope-cli explicitly");
  return p.string();
}

std::int64_t spawn_detached(const std::vector<std::string>& argv, const std::string& log_path) {
  require_program(argv);
  StdFiles files(log_path);
  std::vector<char*> args = c_argv(argv);
  const long fds = max_fd();
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0)
    throw UsageError(std::string("cannot start ") + argv[0] + ": pipe: " + std::strerror(errno));

  const pid_t middle = fork();
  if (middle < 0) {
    const int err = errno;
    close(report[0]);
    close(report[1]);
    throw UsageError(std::string("cannot start ") + argv[0] + ": fork: " + std::strerror(err));
  }
  if (middle == 0) {  // the intermediate process: new session, fork the daemon, report its pid
    setsid();
    const pid_t daemon = fork();
    if (daemon == 0) {
      setup_child_fds(files, report[1], -1, fds);
      execv(args[0], args.data());
      const int err = errno;
      write_all(report[1], &err, sizeof err);
      _exit(127);
    }
    const std::int64_t pid = daemon;
    write_all(report[1], &pid, sizeof pid);
    _exit(daemon < 0 ? 1 : 0);
  }
  close(report[1]);
  const std::string answer = read_all(report[0]);  // EOF: the daemon executed (or failed)
  close(report[0]);
  wait_quietly(middle);
  std::int64_t pid = 0;
  if (answer.size() < sizeof pid) throw UsageError(std::string("cannot start ") + argv[0] + ": fork failed");
  std::memcpy(&pid, answer.data(), sizeof pid);
  if (pid <= 0) throw UsageError(std::string("cannot start ") + argv[0] + ": fork failed");
  if (answer.size() >= sizeof pid + sizeof(int)) {
    int err = 0;
    std::memcpy(&err, answer.data() + sizeof pid, sizeof err);
    throw UsageError(exec_failure(argv[0], err));
  }
  return pid;
}

GatedChild::GatedChild(const std::vector<std::string>& argv, const std::string& log_path) {
  require_program(argv);
  program_ = argv[0];
  StdFiles files(log_path);
  std::vector<char*> args = c_argv(argv);
  const long fds = max_fd();
  int go[2], error[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) != 0)
    throw UsageError("cannot start " + program_ + ": pipe: " + std::strerror(errno));
  if (pipe2(error, O_CLOEXEC) != 0) {
    const int err = errno;
    close(go[0]);
    close(go[1]);
    throw UsageError("cannot start " + program_ + ": pipe: " + std::strerror(err));
  }
  const NiceText nice;
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {go[0], go[1], error[0], error[1]}) close(fd);
    throw UsageError("cannot start " + program_ + ": fork: " + std::strerror(err));
  }
  if (pid == 0) {
    setsid();
    keep_nice_in_new_session(nice);
    setup_child_fds(files, go[0], error[1], fds);
    char byte = 0;
    ssize_t r;
    while ((r = read(go[0], &byte, 1)) < 0 && errno == EINTR) {
    }
    if (r != 1) _exit(0);  // cancelled: the parent closed the pipe without a go
    execv(args[0], args.data());
    const int err = errno;
    write_all(error[1], &err, sizeof err);
    _exit(127);
  }
  close(go[0]);
  close(error[1]);
  pid_ = pid;
  go_fd_ = go[1];
  error_fd_ = error[0];
}

GatedChild::~GatedChild() {
  if (go_fd_ >= 0) cancel();
  if (error_fd_ >= 0) close(error_fd_);
}

void GatedChild::release() {
  if (go_fd_ < 0) return;
  const char byte = 1;
  // MSG_NOSIGNAL: a child that died meanwhile gives EPIPE, not SIGPIPE; it shows as EOF below.
  while (send(go_fd_, &byte, 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
  close(go_fd_);
  go_fd_ = -1;
  const std::string answer = read_all(error_fd_);
  close(error_fd_);
  error_fd_ = -1;
  if (answer.size() >= sizeof(int)) {
    int err = 0;
    std::memcpy(&err, answer.data(), sizeof err);
    wait_quietly(static_cast<pid_t>(pid_));
    throw UsageError(exec_failure(program_, err));
  }
}

void GatedChild::cancel() {
  if (go_fd_ < 0) return;
  close(go_fd_);
  go_fd_ = -1;
  wait_quietly(static_cast<pid_t>(pid_));
}

}  // namespace depthscope::jobs
