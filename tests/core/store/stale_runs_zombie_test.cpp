// A killed child that its parent has not reaped yet (a zombie) is not alive.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/store/process_probe.h"

namespace depthscope::store {
namespace {

TEST(RunDbProcessProbe, AZombieIsNotAlive) {
  const pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  EXPECT_TRUE(process_alive(pid));
  kill(pid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // dead, not reaped: a zombie
  EXPECT_FALSE(process_alive(pid));
  waitpid(pid, nullptr, 0);
  EXPECT_FALSE(process_alive(pid));
  EXPECT_TRUE(process_alive(getpid()));
}

}  // namespace
}  // namespace depthscope::store
