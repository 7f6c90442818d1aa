// depthscope-cli compare-quant QUANTISED ORIGINAL: per layer, how far the quantised model's
// residual stream is from the original's (relative error, change in residual variance,
// angular distance) and the change in perplexity (core/analysis/quant_comparison.h).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "app/cli/analysis_input.h"
#include "app/cli/commands.h"
#include "core/analysis/quant_comparison.h"
#include "core/io/json_numbers.h"

namespace depthscope::cli {

void add_compare_quant_command(CLI::App& app) {
  struct Options {
    AnalysisInputOptions input;
    std::string original;
    std::int64_t ctx = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "compare-quant", "Residual-stream drift per layer and change in perplexity of a quantised model vs its original");
  add_analysis_input_options(cmd, o->input);
  cmd->add_option("ORIGINAL", o->original, "The unquantised checkpoint (any format load_checkpoint reads)")->required();
  add_max_tokens_option(cmd, o->input);
  cmd->add_option("--ctx", o->ctx, "Window length n_ctx (default: min(512, the model's context, the token count))");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o] {
    // Tokens and windows from the quantised model's tokenizer (a GGUF file carries its own).
    const AnalysisInput in = load_analysis_input(o->input, o->ctx);
    const Transformer original = load_model_on(o->original, in.device);
    QuantComparison r;
    {
      CliProgress progress(o->input.progress);
      r = compare_quantisation(*in.model, original, in.tokens, in.windows, progress.control());
    }
    if (o->json) {
      nlohmann::json layers = nlohmann::json::array();
      for (const QuantLayerDrift& d : r.layers)
        layers.push_back({{"layer", d.layer},
                          {"relative_error", d.relative_error},
                          {"variance_quantised", d.variance_quantised},
                          {"variance_original", d.variance_original},
                          {"variance_change", d.variance_change},
                          {"angular_distance", d.angular_distance}});
      const nlohmann::json j = {{"layers", layers},
                                {"ppl_quantised", r.quantised.ppl},
                                {"ppl_original", r.original.ppl},
                                {"delta_ppl", r.delta_ppl},
                                {"tokens_scored", r.original.tokens_scored},
                                {"device", in.device.name()}};
      std::cout << faithful_json(j).dump(2) << "\n";
      return;
    }
    std::printf("%-6s %14s %14s %14s %12s %10s\n", "layer", "rel_error", "var_quant", "var_orig", "var_change",
                "angular");
    for (const QuantLayerDrift& d : r.layers)
      std::printf("%-6lld %14.6g %14.6g %14.6g %+11.4f%% %10.6f\n", static_cast<long long>(d.layer), d.relative_error,
                  d.variance_quantised, d.variance_original, 100.0 * d.variance_change, d.angular_distance);
    std::printf("PPL quantised %.4f +/- %.5f, original %.4f +/- %.5f, delta %+.4f (%lld tokens scored)\n",
                r.quantised.ppl, r.quantised.ppl_error, r.original.ppl, r.original.ppl_error, r.delta_ppl,
                static_cast<long long>(r.original.tokens_scored));
  });
}

}  // namespace depthscope::cli
