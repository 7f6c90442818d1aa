// depthscope-cli stats: per-layer residual-stream statistics and the angular-distance matrix.
// JSON shape documented in docs/analysis.md.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "core/analysis/layer_stats.h"
#include "app/cli/analysis_input.h"
#include "app/cli/commands.h"
#include "core/io/json_numbers.h"
#include "core/error.h"
#include "core/model/transformer.h"
#include "core/runtime/memory.h"

namespace depthscope::cli {

namespace {

// `logit_lens`: false when --no-logit-lens left that column without a value (null).
nlohmann::json layer_json(const LayerStats& s, bool logit_lens) {
  return {{"layer", s.layer},
          {"input_variance", s.input_variance},
          {"output_variance", s.output_variance},
          {"input_token_variance", s.input_token_variance},
          {"output_token_variance", s.output_token_variance},
          {"rms", s.rms},
          {"attn_update_ratio", s.attn_update_ratio},
          {"mlp_update_ratio", s.mlp_update_ratio},
          {"attn_norm_out_variance", s.attn_norm_out_variance},
          {"mlp_norm_out_variance", s.mlp_norm_out_variance},
          {"block_influence", s.block_influence},
          {"logit_lens_loss", logit_lens ? nlohmann::json(s.logit_lens_loss) : nlohmann::json(nullptr)}};
}

const char* kCsvHeader =
    "layer,input_variance,output_variance,input_token_variance,output_token_variance,rms,"
    "attn_update_ratio,mlp_update_ratio,attn_norm_out_variance,mlp_norm_out_variance,"
    "block_influence,logit_lens_loss\n";

}  // namespace

void add_stats_command(CLI::App& app) {
  struct Options {
    AnalysisInputOptions input;
    std::int64_t ctx = 0;
    std::int64_t max_tokens = 4096;
    bool json = false, csv = false, no_logit_lens = false;
    std::string memory_budget;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("stats", "Per-layer residual-stream statistics and angular distances over a text");
  add_analysis_input_options(cmd, o->input);
  cmd->add_option("--ctx", o->ctx, "Window length in tokens (default: min(256, the model's context))");
  cmd->add_option("--max-tokens", o->max_tokens, "Use only the first N tokens (0 = all)")->capture_default_str();
  cmd->add_flag("--no-logit-lens", o->no_logit_lens, "Skip decoding every layer through the head");
  cmd->add_option("--memory-budget", o->memory_budget,
                  "Refuse when the estimated peak memory exceeds this (e.g. 8G; default 70% of physical memory)");
  auto* json = cmd->add_flag("--json", o->json, "Print JSON");
  cmd->add_flag("--csv", o->csv, "Print the per-layer table as CSV")->excludes(json);
  cmd->callback([o] {
    const AnalysisInput in = load_analysis_input(o->input);
    LayerStatsOptions opt;
    opt.n_ctx = o->ctx > 0 ? o->ctx : std::min<std::int64_t>(256, in.model->config().max_position);
    opt.max_tokens = o->max_tokens;
    opt.logit_lens = !o->no_logit_lens;
    if (!o->memory_budget.empty()) opt.memory_budget_bytes = parse_byte_size(o->memory_budget);
    const LayerStatsPlan plan =
        plan_layer_statistics(in.model->config(), static_cast<std::int64_t>(in.tokens.size()), opt);
    std::fprintf(stderr, "stats: estimated peak memory %s (%lld windows, %lld held at a time)\n",
                 format_bytes(plan.memory_estimate_bytes).c_str(), static_cast<long long>(plan.windows),
                 static_cast<long long>(plan.group_windows));
    const bool table = !o->json && !o->csv;
    if (table)
      std::printf("%-5s %12s %12s %10s %8s %8s %12s %12s %8s %10s\n", "layer", "in_var", "out_var", "rms",
                  "attn_r", "mlp_r", "attn_in_var", "mlp_in_var", "BI", "lens_loss");
    LayerStatsResult r;
    {
      CliProgress progress(o->input.progress);
      r = layer_statistics(*in.model, in.tokens, opt, progress.control(), [&](const LayerStats& s) {
        if (!table) return;
        std::printf("%-5lld %12.6g %12.6g %10.5g %8.4f %8.4f %12.6g %12.6g %8.5f %10.5f\n",
                    static_cast<long long>(s.layer), s.input_variance, s.output_variance, s.rms,
                    s.attn_update_ratio, s.mlp_update_ratio, s.attn_norm_out_variance,
                    s.mlp_norm_out_variance, s.block_influence, s.logit_lens_loss);
        std::fflush(stdout);
      });
    }
    if (r.first_non_finite_layer > 0)
      std::fprintf(stderr,
                   "warning: the residual stream overflowed: layer %lld's output holds NaN or Inf; its statistics "
                   "and those after it are reported as NaN/Inf (\"NaN\"/\"Infinity\" in JSON)\n",
                   static_cast<long long>(r.first_non_finite_layer));
    if (o->json) {
      nlohmann::json j;
      j["device"] = in.device.name();
      j["memory_estimate_bytes"] = r.memory_estimate_bytes;
      j["tokens"] = r.tokens;
      j["windows"] = r.windows;
      j["first_non_finite_layer"] = r.first_non_finite_layer > 0 ? nlohmann::json(r.first_non_finite_layer)
                                                                 : nlohmann::json(nullptr);
      j["warnings"] = nlohmann::json::array();
      if (r.first_non_finite_layer > 0)
        j["warnings"].push_back("layer " + std::to_string(r.first_non_finite_layer) +
                                ": the residual stream holds NaN or Inf from here on");
      j["layers"] = nlohmann::json::array();
      for (const LayerStats& s : r.layers) j["layers"].push_back(layer_json(s, opt.logit_lens));
      j["angular_distance"] = {{"token_mean", r.angular.token_mean}, {"last_token", r.angular.last_token}};
      std::cout << faithful_json(j).dump(2) << "\n";
    } else if (o->csv) {
      std::printf("%s", kCsvHeader);
      for (const LayerStats& s : r.layers)
        std::printf("%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", static_cast<long long>(s.layer),
                    s.input_variance, s.output_variance, s.input_token_variance, s.output_token_variance, s.rms,
                    s.attn_update_ratio, s.mlp_update_ratio, s.attn_norm_out_variance, s.mlp_norm_out_variance,
                    s.block_influence, s.logit_lens_loss);
    } else {
      std::printf("%lld tokens in %lld windows of up to %lld\n", static_cast<long long>(r.tokens),
                  static_cast<long long>(r.windows), static_cast<long long>(opt.n_ctx));
      std::printf("angular distance to the next layer d(l, l+1) (token mean):");
      for (const auto& row : r.angular.token_mean) std::printf(" %.3f", row.front());
      std::printf("\n");
    }
  });
}

}  // namespace depthscope::cli
