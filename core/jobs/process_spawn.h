#pragma once
// Starting DepthScope's own processes (the job worker, training runs) so that they outlive
// whoever started them: their own session (setsid, so a terminal's Ctrl-C or a closing GUI
// does not reach them), stdin from /dev/null, stdout and stderr appended to a log file, and
// no other file descriptor inherited. Linux/POSIX; torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace depthscope::jobs {

// This process's executable (/proc/self/exe): depthscope-cli when the caller is the CLI.
// Throws UsageError if it cannot be read.
std::string self_executable();

// Starts argv[0] with `argv` as a daemon (fork, setsid, fork again, exec): it is not a child
// of the caller, so it survives the caller and never becomes the caller's zombie. Returns its
// pid once it has executed argv[0]. Throws UsageError naming the program or the log when the
// log cannot be opened or the program cannot be executed.
std::int64_t spawn_detached(const std::vector<std::string>& argv, const std::string& log_path);

// A child process (fork + setsid) that waits before executing its program, so the parent can
// record its pid (claim a run for it) first. release() lets it execute; cancel() (or the
// destructor of an unreleased child) makes it exit without executing. The caller reaps it
// (waitpid) after release().
class GatedChild {
 public:
  GatedChild(const std::vector<std::string>& argv, const std::string& log_path);
  ~GatedChild();
  GatedChild(const GatedChild&) = delete;
  GatedChild& operator=(const GatedChild&) = delete;

  std::int64_t pid() const { return pid_; }
  // Lets the child execute argv[0]; returns once it has (or throws UsageError naming the
  // program when exec failed; the child has then exited and is reaped).
  void release();
  // The child exits without executing; it is reaped here.
  void cancel();

 private:
  std::string program_;
  std::int64_t pid_ = 0;
  int go_fd_ = -1;     // our end of a socket pair: one byte = go, closed = exit
  int error_fd_ = -1;  // read end: exec's errno, or EOF once exec succeeded
};

}  // namespace depthscope::jobs
