#include "core/train/checkpoint_save.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/store/run_lease.h"
#include "core/train/adam.h"

namespace depthscope {

namespace fs = std::filesystem;

std::string checkpoint_dir(const std::string& out_dir, std::int64_t run, std::int64_t step) {
  return (fs::path(out_dir) / ("run-" + std::to_string(run)) / ("step-" + std::to_string(step))).string();
}

std::string checkpoint_staging_dir(const std::string& out_dir, std::int64_t run, std::int64_t step,
                                   std::int64_t attempt) {
  return checkpoint_dir(out_dir, run, step) + "." + std::to_string(attempt) + ".partial";
}

nlohmann::json trainer_state_json(const TrainerState& s, std::int64_t run, std::int64_t attempt) {
  // nlohmann keeps a uint64 seed exact (readers that hold numbers as doubles lose seeds >= 2^53).
  return {{"step", s.step},
          {"run", run},
          {"attempt", attempt},
          {"scheme", s.scheme},
          {"seed", s.seed},
          {"data", s.data},
          {"data_sha256", s.data_sha256},
          {"divergence",
           {{"running_min", s.divergence.running_min}, {"seen", s.divergence.seen},
            {"steps_above", s.divergence.steps_above}}}};
}

TrainerState read_trainer_state(const std::string& folder) {
  const std::string path = (fs::path(folder) / "trainer_state.json").string();
  std::ifstream in(path);
  if (!in) throw FileError(path, "", "cannot be read (a checkpoint folder holds one)");
  std::stringstream ss;
  ss << in.rdbuf();
  TrainerState s;
  try {
    const nlohmann::json j = nlohmann::json::parse(ss.str());
    s.step = j.value("step", std::int64_t{0});
    s.scheme = j.value("scheme", std::string());
    s.seed = j.value("seed", std::uint64_t{0});
    s.data = j.value("data", std::string());
    s.data_sha256 = j.value("data_sha256", std::string());
    if (j.contains("divergence")) {
      const nlohmann::json& d = j["divergence"];
      s.divergence.running_min = d.value("running_min", 0.0);
      s.divergence.seen = d.value("seen", false);
      s.divergence.steps_above = d.value("steps_above", std::int64_t{0});
    }
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path, "", std::string("is not valid trainer state: ") + e.what());
  }
  return s;
}

namespace {

void sync_path(const fs::path& p, bool folder) {
  const int fd = ::open(p.c_str(), folder ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) throw FileError(p.string(), "", "cannot be opened to sync it to disk");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw FileError(p.string(), "", "cannot be synced to disk");
}

// Every file of the staged folder, then the folder itself.
void sync_tree(const fs::path& dir) {
  for (const fs::directory_entry& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) sync_path(e.path(), false);
  sync_path(dir, true);
}

}  // namespace

void save_checkpoint(store::RunLease& lease, const std::string& out_dir, const ModelConfig& config,
                     const ModelWeights& weights, const Adam& adam, const TrainerState& state,
                     const std::string& tokenizer_path) {
  lease.check();
  const std::string dir = checkpoint_dir(out_dir, lease.run(), state.step);
  const std::string tmp = checkpoint_staging_dir(out_dir, lease.run(), state.step, lease.attempt());
  std::error_code ec;
  fs::remove_all(tmp, ec);  // this attempt's own leftover, if any
  try {
    save_hf(tmp, config, weights);
    save_safetensors((fs::path(tmp) / "optimizer.safetensors").string(), adam.state(),
                     {{"adam_step", std::to_string(adam.steps())}});
    {
      std::ofstream out(fs::path(tmp) / "trainer_state.json");
      out << trainer_state_json(state, lease.run(), lease.attempt()).dump(2) << "\n";
      if (!out.flush()) throw FileError((fs::path(tmp) / "trainer_state.json").string(), "", "cannot be written");
    }
    if (!tokenizer_path.empty())
      fs::copy_file(tokenizer_path, fs::path(tmp) / fs::path(tokenizer_path).filename(),
                    fs::copy_options::overwrite_existing, ec);
    sync_tree(tmp);
    lease.publish_checkpoint(state.step, tmp, dir);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace depthscope
