#pragma once
// A training spec: one JSON file describes an experiment; each scheme in "schemes" becomes a
// sibling run sharing the seed, initial weights (where the schemes share parameters), data
// order and schedule. Every field is documented in docs/training.md. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/model/config.h"
#include "core/train/corpus_options.h"
#include "core/runtime/device_choice.h"
#include "core/train/train_dtype.h"

namespace depthscope {

struct TrainSpec {
  std::string source;                  // the spec file ("<memory>" when parsed from text)
  std::string name = "experiment";
  std::string preset;                  // model.preset, or "" for explicit dimensions
  ModelConfig model;                   // the shape; vocab_size comes from the corpus (unused
                                       // when fine-tuning: the init checkpoint's shape)
  std::vector<NormScheme> schemes{NormScheme::pre, NormScheme::lns};
  bool gpas = false;                   // the GPAS add-on on every scheme's run ("gpas": true)
  std::string corpus_dir;              // corpus.dir (from `corpus build`), or
  bool corpus_from_text = false;       // corpus.text + corpus.tokenizer, built and cached
  CorpusOptions corpus_text;
  std::int64_t steps = 200;
  std::int64_t batch = 8;              // sequences per micro-batch
  std::int64_t seq = 128;              // tokens per sequence
  double lr = 1e-3;
  std::int64_t warmup = -1;            // steps; -1: 10% of steps (the paper)
  double min_lr_ratio = 0.1;
  std::string optimizer = "adam";      // adam | adamw
  double weight_decay = 0;             // AdamW only
  double clip = 0;                     // max global gradient norm; 0: no clipping (the paper)
  std::int64_t accumulate = 1;         // micro-batches per optimiser step
  std::uint64_t seed = 0;               // this run's seed: initial weights and data order
  std::vector<std::uint64_t> seeds{0};  // "seeds" (or {seed}): one run per scheme and seed
  std::int64_t eval_every = 0;         // steps; 0: 10 evaluations per run
  std::int64_t eval_tokens = 16384;    // validation tokens per evaluation
  std::int64_t layer_metrics_every = 0;  // steps; 0: 20 samples per run
  std::int64_t checkpoint_every = 0;   // steps; 0: only at the end
  double divergence_margin = 2.0;      // nats above the running minimum ...
  std::int64_t divergence_patience = 100;  // ... for this many steps: diverged (0: off)
  bool removal_at_end = true;          // after the last step: each layer's removal cost on the
                                       // validation windows (removal_delta_ppl, removal/mean_delta_ppl)
  int threads = 0;                     // 0: every core
  std::string device = "cpu";          // cpu | cuda | cuda:N (validated: usable by this process)
  TrainDtype dtype = TrainDtype::f32;  // f32 | bf16 (mixed precision, CUDA only)
  std::string init;                    // fine-tune from this checkpoint ("" = from scratch)
  std::string data_format = "text";    // text | jsonl (prompt/response; corpus.text are JSONL files)
  std::string jsonl_tokenizer;         // jsonl: corpus.tokenizer ("bytes" or a path); "": the init
                                       // checkpoint's tokenizer, else bytes
  std::string json;                    // the spec as given (stored in the run database)

  std::int64_t resolved_warmup() const;
  std::int64_t resolved_eval_every() const;
  std::int64_t resolved_layer_metrics_every() const;
  // The model shape of one run from scratch: the spec's shape, the scheme (with GPAS when the
  // spec asks for it), the vocabulary and the context.
  ModelConfig run_config(NormScheme scheme, std::int64_t vocab_size) const;
  // The validated "device" (parse_device: "cuda" stays without an index, the current GPU).
  ComputeDevice compute_device() const { return parse_device(device, "device"); }
  // A run's scheme word ("pre", "pre+gpas"), as stored in the run database.
  std::string run_scheme(NormScheme scheme) const { return to_string(SchemeChoice{scheme, gpas}); }
};

// Parses and validates. Every problem throws FileError(source, field, problem): an unknown
// field (named, with the known ones), a wrong type, a value out of range, a preset that does
// not exist. Relative paths (corpus.dir, corpus.text, init) are taken relative to `base_dir`.
TrainSpec parse_train_spec(const nlohmann::json& j, const std::string& source, const std::string& base_dir);
TrainSpec read_train_spec(const std::string& path);
// The same with top-level fields replaced before validation (`train --device cuda --dtype
// bf16`: {"device": "cuda", "dtype": "bf16"}); the stored spec JSON holds the replaced values.
TrainSpec read_train_spec(const std::string& path, const nlohmann::json& overrides);
TrainSpec parse_train_spec_text(const std::string& text, const std::string& source = "<memory>",
                                const std::string& base_dir = ".");

}  // namespace depthscope
