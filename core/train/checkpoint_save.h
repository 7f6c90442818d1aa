#pragma once
// Writing a training checkpoint so that a kill -9 at any moment leaves every checkpoint row
// pointing at a complete folder, and no other attempt of the run can touch it
// (docs/training.md, "Checkpoints"):
//   1. everything is written into out/run-<id>/step-<k>.<attempt>.partial (a folder of this
//      attempt's own) and each file is synced;
//   2. under the database's write lock, and only while the attempt owns the run, the folder
//      is renamed to out/run-<id>/step-<k>, the parent folder is synced, and the row is
//      inserted (RunLease::publish_checkpoint).
// trainer_state.json holds the step, the run, the scheme, the seed, the data and its SHA-256,
// the attempt and the divergence watch.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/model/config.h"
#include "core/model/weights.h"
#include "core/train/divergence.h"

namespace depthscope {

namespace store {
class RunLease;
}
class Adam;

std::string checkpoint_dir(const std::string& out_dir, std::int64_t run, std::int64_t step);
std::string checkpoint_staging_dir(const std::string& out_dir, std::int64_t run, std::int64_t step,
                                   std::int64_t attempt);

struct TrainerState {
  std::int64_t step = 0;
  std::string scheme;
  std::uint64_t seed = 0;
  std::string data;         // where the data lives
  std::string data_sha256;  // data_identity_sha256 of the spec's data
  DivergenceWatch::State divergence;
};

nlohmann::json trainer_state_json(const TrainerState& s, std::int64_t run, std::int64_t attempt);
// Reads a checkpoint folder's trainer_state.json; fields an older DepthScope did not write
// keep their defaults ("" for data_sha256). Throws FileError naming the file.
TrainerState read_trainer_state(const std::string& checkpoint_folder);

// Steps 1 and 2 above. The staging folder is removed when publishing is refused.
void save_checkpoint(store::RunLease& lease, const std::string& out_dir, const ModelConfig& config,
                     const ModelWeights& weights, const Adam& adam, const TrainerState& state,
                     const std::string& tokenizer_path);

}  // namespace depthscope
