#pragma once
// What the job manager needs to know about a process it started or is about to signal.
// Linux (/proc); torch-free.
#include <cstdint>
#include <string>

namespace depthscope::jobs {

// "exited with code 3", "was killed by signal 9 (Killed)": a waitpid status in words.
std::string exit_description(int wait_status);

// True when the waitpid status is a death by SIGTERM or SIGINT (a stop request that arrived
// before the program could handle it).
bool killed_by_stop_signal(int wait_status);

// True when `pid` on this machine is a DepthScope program (its executable's or argv[0]'s name
// starts with "depthscope"): the check before signalling a pid read from the database, which
// may have been reused by an unrelated process since.
bool is_depthscope_process(std::int64_t pid);

}  // namespace depthscope::jobs
