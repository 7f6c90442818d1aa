#pragma once
// What the run database needs to know about processes and time: the wall clock in the
// store's unit, this machine's name, and whether a process id is still alive here.
#include <cstdint>
#include <string>

namespace depthscope::store {

// Milliseconds since the Unix epoch, UTC: the unit of every timestamp in the database.
std::int64_t wall_ms_now();

// This machine's host name (gethostname), as stored in runs.host.
std::string this_host();

// This process's id.
std::int64_t this_pid();

// False only when the process certainly does not exist on this machine: kill(pid, 0)
// fails with ESRCH, or it is a zombie (exited, not yet reaped). A process of another user (EPERM) counts as alive. A pid reused by
// an unrelated process also looks alive; the heartbeat timeout covers that case.
bool process_alive(std::int64_t pid);

}  // namespace depthscope::store
