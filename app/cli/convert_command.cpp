// depthscope-cli convert SRC DST --to hf|llama2c [--dtype f32|f16|bf16] [--llama2c-version 0|1]
// [--fold-lns] [--json]: read any supported checkpoint and write it as an HF folder (stored as
// --dtype, F32 by default) or a llama2.c .bin (always F32). --fold-lns writes an LNS checkpoint
// as a plain Pre-LN one (1/sqrt(l) folded into the norm weights; core/model/fold_lns.h); --to
// is then hf unless given. JSON fields are documented in docs/checkpoints.md.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>

#include "app/cli/commands.h"
#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/fold_lns.h"

namespace depthscope::cli {

void add_convert_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert", "Convert a checkpoint to an HF folder or a llama2.c .bin");
  struct Options {
    std::string src, dst, to, dtype = "f32";
    int llama2c_version = 0;
    bool json = false, fold_lns = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("src", o->src, "HF folder, .safetensors, or llama2.c .bin")->required();
  cmd->add_option("dst", o->dst, "Output: a folder for --to hf, a .bin file for --to llama2c")->required();
  cmd->add_option("--to", o->to, "Output format (hf or llama2c; hf by default with --fold-lns)")
      ->check(CLI::IsMember({"hf", "llama2c"}));
  cmd->add_flag("--fold-lns", o->fold_lns,
                "Write an LNS checkpoint as a plain Pre-LN one: 1/sqrt(l) folded into each block's norm weights");
  cmd->add_option("--dtype", o->dtype, "Element type stored in an HF folder's model.safetensors (default f32)")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  cmd->add_option("--llama2c-version", o->llama2c_version, "llama2.c file version (0 or 1)")
      ->check(CLI::IsMember({0, 1}));
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o] {
    const auto start = std::chrono::steady_clock::now();
    if (o->to.empty() && !o->fold_lns) throw UsageError("convert needs --to hf or --to llama2c");
    if (o->to.empty()) o->to = "hf";
    const SafetensorsDtype dtype = safetensors_dtype_from_string(o->dtype);
    if (o->to != "hf" && dtype != SafetensorsDtype::f32)
      throw UsageError("--dtype " + o->dtype + ": llama2.c files store F32 only (use --to hf)");
    const LoadedCheckpoint ck = load_checkpoint(o->src);
    if (o->fold_lns && !fold_lns_problem(ck.config).empty())
      throw UsageError(o->src + ": cannot fold LNS into a Pre-LN checkpoint: " + fold_lns_problem(ck.config));
    FoldedModel folded;
    if (o->fold_lns) folded = fold_lns(ck.config, ck.weights);
    const ModelConfig& config = o->fold_lns ? folded.config : ck.config;
    const ModelWeights& weights = o->fold_lns ? folded.weights : ck.weights;
    std::string format;
    if (o->to == "hf") {
      save_hf(o->dst, config, weights, dtype);
      format = "hf-safetensors";
    } else {
      save_llama2c(o->dst, config, weights, o->llama2c_version);
      format = "llama2c-v" + std::to_string(o->llama2c_version);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o->json) {
      nlohmann::ordered_json j;
      j["source"] = o->src;
      j["source_format"] = ck.format;
      j["source_dtype"] = ck.source_dtype;
      j["destination"] = o->dst;
      j["format"] = format;
      j["dtype"] = to_string(dtype);
      j["family"] = to_string(ck.config.family);
      j["norm_scheme"] = checkpoint_scheme_name(config.norm_scheme);
      j["folded_lns"] = o->fold_lns;
      j["parameters"] = ck.config.parameter_count();
      j["seconds"] = seconds;
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::cout << "converted " << o->src << " (" << ck.format << ", " << ck.source_dtype << ") -> " << o->dst << " ("
              << format << ", " << to_string(dtype) << (o->fold_lns ? ", LNS folded into the norm weights: Pre-LN" : "")
              << ") in " << seconds << " s\n";
  });
}

}  // namespace depthscope::cli
