// depthscope-cli perplexity: llama.cpp-style perplexity of a checkpoint over a text.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "core/analysis/perplexity.h"
#include "app/cli/analysis_input.h"
#include "app/cli/commands.h"
#include "core/io/json_numbers.h"
#include "core/model/transformer.h"

namespace depthscope::cli {

void add_perplexity_command(CLI::App& app) {
  struct Options {
    AnalysisInputOptions input;
    std::int64_t ctx = 0;
    std::int64_t stride = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("perplexity", "Perplexity over a text (llama.cpp convention: second half of each window scored)");
  add_analysis_input_options(cmd, o->input);
  add_max_tokens_option(cmd, o->input);
  cmd->add_option("--ctx", o->ctx, "Window length n_ctx (default: min(512, the model's context, the token count))");
  cmd->add_option("--stride", o->stride, "Windows every N tokens, each scoring its last N (llama.cpp --ppl-stride); 0 = non-overlapping")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o] {
    // Tokens and windows (BOS included) from core/analysis/eval_set.h, as the GUI builds them.
    const AnalysisInput in = load_analysis_input(o->input, o->ctx, o->stride);
    const PerplexityOptions& opt = in.windows;
    PerplexityResult r;
    {
      CliProgress progress(o->input.progress);
      r = perplexity(*in.model, in.tokens, opt, progress.control(), [&](const PerplexityWindow& w) {
        if (o->json) return;
        std::printf("[%lld]%.4f,", static_cast<long long>(w.window), w.running_ppl);
        std::fflush(stdout);
      });
    }
    if (o->json) {
      nlohmann::json j = {{"ppl", r.ppl}, {"ppl_error", r.ppl_error}, {"tokens_scored", r.tokens_scored},
                          {"device", in.device.name()}};
      std::cout << faithful_json(j).dump(2) << "\n";
      return;
    }
    std::printf("\nFinal estimate: PPL = %.4f +/- %.5f\n", r.ppl, r.ppl_error);
    std::printf("%lld tokens scored in %lld windows of %lld\n", static_cast<long long>(r.tokens_scored),
                static_cast<long long>(r.windows), static_cast<long long>(opt.n_ctx));
  });
}

}  // namespace depthscope::cli
