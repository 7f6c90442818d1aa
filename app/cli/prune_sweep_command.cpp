// depthscope-cli prune-sweep: the cost of removing each layer (and blocks of layers, and a
// greedy pruning curve) in loss, perplexity and optional multiple-choice accuracy.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/analysis/layer_removal.h"
#include "core/analysis/multiple_choice.h"
#include "app/cli/analysis_input.h"
#include "app/cli/choice_options.h"
#include "app/cli/commands.h"
#include "core/io/json_numbers.h"
#include "core/model/transformer.h"
#include "core/runtime/memory.h"

namespace depthscope::cli {

namespace {

// Multiple choice of one configuration (with --choices): lm-eval's acc, acc_norm, stderr.
void add_choice_scores(nlohmann::json& j, const RemovalScore& s) {
  if (std::isnan(s.accuracy)) return;
  j["accuracy"] = s.accuracy;  // = acc (the name before acc_norm existed)
  j["acc"] = s.accuracy;
  j["acc_stderr"] = s.acc_stderr;
  j["acc_norm"] = s.acc_norm;
  j["acc_norm_stderr"] = s.acc_norm_stderr;
}

nlohmann::json score_json(const RemovalScore& s) {
  nlohmann::json j = {{"loss", s.loss}, {"ppl", s.ppl}};
  add_choice_scores(j, s);
  return j;
}

}  // namespace

void add_prune_sweep_command(CLI::App& app) {
  struct Options {
    AnalysisInputOptions input;
    std::int64_t ctx = 0;
    std::int64_t stride = 0;
    std::int64_t block = 0;
    bool greedy = false;
    std::int64_t greedy_steps = 0;
    ChoiceCliOptions choices;
    bool json = false;
    bool naive = false;
    std::string memory_budget;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("prune-sweep", "Loss and perplexity with each layer removed (cached sweep: L(L+1)/2 layer passes)");
  add_analysis_input_options(cmd, o->input);
  add_max_tokens_option(cmd, o->input);
  cmd->add_option("--ctx", o->ctx, "Window length n_ctx (default: min(512, the model's context, the token count))");
  cmd->add_option("--stride", o->stride, "Perplexity stride as in `perplexity` (0 = non-overlapping)")->capture_default_str();
  cmd->add_option("--block", o->block, "Also remove contiguous blocks of 1..N layers (heatmap start x n)");
  cmd->add_flag("--greedy", o->greedy, "Also compute the greedy pruning curve");
  cmd->add_option("--greedy-steps", o->greedy_steps, "Layers the greedy curve removes (default L-1)");
  add_choice_options(cmd, o->choices, false);  // acc, acc_norm and stderr per configuration
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->add_option("--memory-budget", o->memory_budget,
                  "Refuse when the estimated peak memory exceeds this (e.g. 8G; default 70% of physical memory)");
  cmd->add_flag("--naive", o->naive, "Run every configuration from the embeddings (L^2 passes; for benchmarks)");
  cmd->callback([o] {
    // Tokens and windows (BOS included) from core/analysis/eval_set.h, as the GUI builds them.
    const AnalysisInput in = load_analysis_input(o->input, o->ctx, o->stride);
    RemovalOptions opt;
    opt.windows = in.windows;
    opt.cached = !o->naive;
    if (!o->memory_budget.empty()) opt.memory_budget_bytes = parse_byte_size(o->memory_budget);
    const std::int64_t n_tokens = static_cast<std::int64_t>(in.tokens.size());
    check_removal_memory(in.model->config(), n_tokens, opt, o->greedy);  // before any work
    if (!o->choices.file.empty()) opt.choices = load_choices(o->choices, *in.tokenizer, in.model->config().max_position);
    const bool text = !o->json;

    nlohmann::json j;
    CliProgress progress(o->input.progress);
    if (text) std::printf("%-6s %12s %12s %12s %10s\n", "layer", "loss", "ppl", "delta_ppl", "accuracy");
    const LayerRemovalSweep sweep =
        layer_removal_sweep(*in.model, in.tokens, opt, progress.control(), [&](const LayerRemovalEntry& e) {
          if (!text) return;
          std::printf("%-6lld %12.5f %12.4f %+12.4f %10.4f\n", static_cast<long long>(e.layer), e.score.loss,
                      e.score.ppl, e.delta_ppl, e.score.accuracy);
          std::fflush(stdout);
        });
    j["device"] = in.device.name();
    j["memory_estimate_bytes"] = removal_memory_estimate(in.model->config(), n_tokens, opt, o->greedy);
    j["baseline"] = score_json(sweep.baseline);
    j["layers"] = nlohmann::json::array();
    for (const LayerRemovalEntry& e : sweep.layers) {
      nlohmann::json l = {{"layer", e.layer}, {"loss", e.score.loss}, {"ppl", e.score.ppl},
                          {"delta_loss", e.delta_loss}, {"delta_ppl", e.delta_ppl}};
      if (!std::isnan(e.score.accuracy)) {
        add_choice_scores(l, e.score);
        l["delta_accuracy"] = e.delta_accuracy;
        l["delta_acc_norm"] = e.delta_acc_norm;
      }
      j["layers"].push_back(l);
    }
    j["layer_passes"] = sweep.layer_passes;
    if (text)
      std::printf("baseline: loss %.5f  ppl %.4f  accuracy %.4f   (%lld layer passes)\n", sweep.baseline.loss,
                  sweep.baseline.ppl, sweep.baseline.accuracy, static_cast<long long>(sweep.layer_passes));

    if (o->block > 0) {
      const BlockRemovalSweep blocks = block_removal_sweep(*in.model, in.tokens, opt, o->block, progress.control());
      j["blocks"] = nlohmann::json::array();
      if (text) std::printf("\n%-6s %-4s %12s %12s\n", "start", "n", "ppl", "delta_ppl");
      for (const BlockRemovalEntry& b : blocks.blocks) {
        j["blocks"].push_back({{"start", b.start}, {"n", b.n}, {"loss", b.score.loss}, {"ppl", b.score.ppl},
                               {"delta_ppl", b.delta_ppl}});
        if (text)
          std::printf("%-6lld %-4lld %12.4f %+12.4f\n", static_cast<long long>(b.start), static_cast<long long>(b.n),
                      b.score.ppl, b.delta_ppl);
      }
      j["block_layer_passes"] = blocks.layer_passes;
    }
    if (o->greedy) {
      const PruningCurve curve =
          greedy_pruning_curve(*in.model, in.tokens, opt, o->greedy_steps, progress.control());
      j["greedy"] = nlohmann::json::array();
      if (text) std::printf("\n%-8s %-6s %12s  removed\n", "removed", "layer", "ppl");
      for (const PruningStep& s : curve.steps) {
        nlohmann::json g = {{"removed_count", s.removed_count}, {"layer", s.layer}, {"removed", s.removed},
                            {"loss", s.score.loss}, {"ppl", s.score.ppl}};
        add_choice_scores(g, s.score);
        j["greedy"].push_back(g);
        if (text) {
          std::printf("%-8lld %-6lld %12.4f  ", static_cast<long long>(s.removed_count),
                      static_cast<long long>(s.layer), s.score.ppl);
          for (std::int64_t l : s.removed) std::printf("%lld ", static_cast<long long>(l));
          std::printf("\n");
        }
      }
      j["greedy_layer_passes"] = curve.layer_passes;
    }
    if (o->json) std::cout << faithful_json(j).dump(2) << "\n";
  });
}

}  // namespace depthscope::cli
