// The job worker's lock file (core/jobs/worker_lock.h).
#include "core/jobs/worker_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"

namespace depthscope::jobs {

std::string worker_lock_path(const std::string& db_path) { return db_path + ".worker.lock"; }

WorkerInfo worker_info(const std::string& db_path) {
  WorkerInfo info;
  const std::string path = worker_lock_path(db_path);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return info;  // no lock file: no worker has ever run here
  if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
    flock(fd, LOCK_UN);
    close(fd);
    return info;
  }
  close(fd);
  info.running = true;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const nlohmann::json j = nlohmann::json::parse(text.str());
    info.pid = j.value("pid", std::int64_t{0});
    info.host = j.value("host", std::string());
    info.out_dir = j.value("out_dir", std::string());
    info.parallel = j.value("parallel", 0);
    info.started_at = j.value("started_at", std::int64_t{0});
  } catch (const std::exception&) {
    // Held but not yet described (the worker is starting): running, details unknown.
  }
  return info;
}

WorkerLock::WorkerLock(std::string db_path) : path_(worker_lock_path(db_path)) {}

WorkerLock::~WorkerLock() { release(); }

bool WorkerLock::try_acquire(std::chrono::milliseconds patience) {
  if (fd_ >= 0) return true;
  const int fd = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw UsageError("cannot create the job worker's lock file " + path_ + ": " + std::strerror(errno) +
                     " (the database's folder must be writable)");
  const auto give_up = std::chrono::steady_clock::now() + patience;
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      fd_ = fd;
      return true;
    }
    if (errno != EWOULDBLOCK && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  close(fd);
  return false;
}

void WorkerLock::describe(const WorkerInfo& info) {
  if (fd_ < 0) return;
  const std::string text = nlohmann::json({{"pid", info.pid},
                                           {"host", info.host},
                                           {"out_dir", info.out_dir},
                                           {"parallel", info.parallel},
                                           {"started_at", info.started_at}})
                               .dump() +
                           "\n";
  if (ftruncate(fd_, 0) != 0) return;
  if (pwrite(fd_, text.data(), text.size(), 0) < 0) return;  // a description only: best effort
}

void WorkerLock::release() {
  if (fd_ < 0) return;
  if (ftruncate(fd_, 0) != 0) {
    // the description stays; harmless, it is read only while the lock is held
  }
  flock(fd_, LOCK_UN);
  close(fd_);
  fd_ = -1;
}

}  // namespace depthscope::jobs
