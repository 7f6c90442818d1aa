#pragma once
// From a spec to rows in the run database: the corpus is built or opened, everything that
// can be checked is checked (corpus size against one window, the fine-tuning checkpoint's
// vocabulary, every scheme's shape), and only then are the experiment and one queued run per
// seed and scheme created -- so bad input leaves the database untouched. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "core/runtime/progress.h"

namespace depthscope {

struct TrainSpec;

struct CreatedExperiment {
  std::int64_t experiment = 0;
  std::vector<std::int64_t> runs;  // one per seed and scheme: seed-major, the spec's order
  std::string corpus_dir;
  bool corpus_built = false;       // false: an existing (cached) corpus was used
};

// Corpora built from a spec's text files are cached under <db folder>/corpora.
CreatedExperiment create_experiment(const TrainSpec& spec, const std::string& db_path,
                                    const RunControl& control = RunControl());

// Where checkpoints go by default: <db folder>/<db name without extension>-runs.
std::string default_run_dir(const std::string& db_path);

}  // namespace depthscope
