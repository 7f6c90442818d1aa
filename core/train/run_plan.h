#pragma once
// What a training process needs to know about its run before it trains, read from the run
// database by rank 0 alone (only rank 0 opens the database: docs/distributed.md) and handed to
// the other ranks through the group's store as JSON. Torch-free.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace depthscope {

struct RunPlan {
  std::int64_t run = 0;
  std::string db_path;
  std::string scheme;     // the NormScheme word
  std::string status;     // the run's status when it was read
  std::string spec_json;  // the stored spec
  // The run's last checkpoint (a resume continues from it).
  struct Checkpoint {
    std::int64_t id = 0, step = 0;
    std::string path;
  };
  std::optional<Checkpoint> last_checkpoint;

  nlohmann::json to_json() const;
  static RunPlan from_json(const nlohmann::json& j);
};

// Reads run `run` of the database; throws UsageError when it is not there.
RunPlan read_run_plan(const std::string& db_path, std::int64_t run);

// Why the run cannot be trained as asked ("" when it can): finished, diverged, no checkpoint
// to resume from. (Ownership is checked again, atomically, when the run is claimed.)
std::string plan_refusal(const RunPlan& plan, bool resume);

// Creates `out_dir`/run-<id> and proves it writable (a file is created, synced and removed),
// before the run is claimed. Throws FileError naming the path that cannot be written.
void check_checkpoint_folder(const std::string& out_dir, std::int64_t run);

}  // namespace depthscope
