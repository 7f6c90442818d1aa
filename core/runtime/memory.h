#pragma once
// Memory budget of an analysis: the machine's physical memory, the default budget (70% of
// it), and the byte sizes users type ("8G", "512M"). Torch-free and Qt-free.
#include <cstdint>
#include <string>

namespace depthscope {

// Physical memory of this machine in bytes (sysconf); 8 GiB when it cannot be read.
std::int64_t physical_memory_bytes();

// The memory limit of this process's control group, in bytes: cgroup v1's
// memory.limit_in_bytes or v2's memory.max, the lowest along the group's path up to the root
// (a parent's limit applies to its children); 0 when there is none. `proc_self_cgroup` is the
// text of /proc/self/cgroup, `cgroup_mount` where the hierarchies are mounted (/sys/fs/cgroup).
std::int64_t cgroup_memory_limit_bytes(const std::string& proc_self_cgroup, const std::string& cgroup_mount);

// What this process may use: physical memory, or its cgroup's limit when that is lower (a
// container, a systemd slice, a batch job's allocation).
std::int64_t memory_limit_bytes();

// The default budget of one analysis: 70% of physical memory.
std::int64_t default_memory_budget_bytes();

// "123", "64K", "512M", "8G", "1.5G" (binary units, case-insensitive, optional "iB"/"B").
// Throws UsageError naming the text when it is not a positive size.
std::int64_t parse_byte_size(const std::string& text);

// "1.5 GiB", "320.0 MiB", "12.0 KiB", "512 B".
std::string format_bytes(std::int64_t bytes);

// Throws UsageError when `estimate_bytes` exceeds `budget_bytes` (<= 0: the default budget):
// "<what> needs about X, more than the Y budget (--memory-budget); <fit_hint>".
void check_memory_budget(const std::string& what, std::int64_t estimate_bytes, std::int64_t budget_bytes,
                         const std::string& fit_hint);

}  // namespace depthscope
