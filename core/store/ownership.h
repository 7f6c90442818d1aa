#pragma once
// The ownership check that every write of a training process runs first, inside its own
// transaction (internal to core/store; docs/runs.md, "Ownership").
#include "core/store/connection.h"
#include "core/store/run_lease.h"

namespace depthscope::store {

// Throws LeaseLost naming who holds the run now unless run `id.run` is still attempt
// `id.attempt` and running (or failed as "process lost": a reaped owner that is only slow
// may go on, and its next heartbeat sets the run running again).
void require_owner(Connection& conn, const LeaseId& id);

// Runs `body` in a write transaction of `db` that first requires ownership; a LeaseLost
// raises `signal`. Once `signal` is raised it throws at once, without touching the database.
void owned_write(RunDb& db, const LeaseId& id, LeaseSignal& signal, const std::string& what,
                 const std::function<void()>& body);

}  // namespace depthscope::store
