#include "ui/train/train_estimate.h"

#include <algorithm>
#include <cstdlib>

namespace depthscope::ui {

std::int64_t tokenizer_vocab(const std::string& tokenizer, bool* assumed) {
  if (assumed) *assumed = false;
  if (tokenizer.empty() || tokenizer == "bytes") return 256;
  for (const char* prefix : {"bpe:", "unigram:"}) {
    const std::string p(prefix);
    if (tokenizer.rfind(p, 0) == 0) {
      const long long n = std::atoll(tokenizer.c_str() + p.size());
      if (n > 0) return n;
    }
  }
  if (assumed) *assumed = true;
  return 32000;
}

TrainEstimate estimate_training(const TrainSpec& spec, int cores, int parallel) {
  TrainEstimate e;
  e.vocab = tokenizer_vocab(spec.corpus_text.tokenizer, &e.vocab_assumed);
  e.runs = static_cast<int>(spec.schemes.size());
  for (NormScheme s : spec.schemes) {
    ModelConfig c = spec.model;
    c.norm_scheme = s;
    c.vocab_size = e.vocab;
    c.max_position = std::max<std::int64_t>(spec.seq, 1);
    e.parameters = std::max(e.parameters, c.parameter_count());
  }
  const ModelConfig& m = spec.model;
  const double N = static_cast<double>(e.parameters);
  const double L = static_cast<double>(m.num_layers), d = static_cast<double>(m.hidden_size);
  const double ffn = static_cast<double>(m.intermediate_size), H = static_cast<double>(m.num_heads);
  const double T = static_cast<double>(spec.seq), V = static_cast<double>(e.vocab);
  const double B = static_cast<double>(spec.batch);

  e.param_bytes = e.parameters * 4;
  e.grad_bytes = e.parameters * 4;
  e.adam_bytes = e.parameters * 8;
  e.activation_bytes = static_cast<std::int64_t>(B * T * 4.0 * (L * (10 * d + 4 * ffn + 2 * H * T) + 3 * V));
  e.memory_bytes = e.param_bytes + e.grad_bytes + e.adam_bytes + e.activation_bytes;

  e.checkpoint_bytes = e.parameters * 12 + 64 * 1024;  // model + Adam moments + small files
  e.checkpoints_per_run = spec.checkpoint_every > 0 ? (spec.steps + spec.checkpoint_every - 1) / spec.checkpoint_every : 1;
  e.disk_bytes = e.checkpoint_bytes * e.checkpoints_per_run * e.runs;

  parallel = std::max(1, parallel);
  cores = std::max(1, cores);
  e.cores_per_run = std::max(1, cores / std::min(parallel, std::max(1, e.runs)));
  if (spec.threads > 0) e.cores_per_run = std::min(e.cores_per_run, spec.threads);
  const double rate = kTrainFlopsPerCore * e.cores_per_run;
  const double weights = std::max(0.0, N - V * d);  // the embedding lookup costs nothing
  const double train_flops_per_token = 6 * weights + 12 * L * T * d;
  const double tokens_per_step = B * T * static_cast<double>(std::max<std::int64_t>(1, spec.accumulate));
  const double steps = static_cast<double>(spec.steps);
  const double evals = steps / static_cast<double>(spec.resolved_eval_every()) + 1;
  const double eval_flops = evals * static_cast<double>(spec.eval_tokens) * train_flops_per_token / 3;
  e.seconds_per_run = steps * (kStepOverheadS + tokens_per_step * train_flops_per_token / rate) + eval_flops / rate;
  const int waves = (e.runs + parallel - 1) / parallel;
  e.seconds_total = e.seconds_per_run * waves;
  return e;
}

}  // namespace depthscope::ui
