// depthscope-cli variance-at-init: residual variance by layer of a freshly initialised model.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "core/analysis/variance_at_init.h"
#include "app/cli/analysis_input.h"
#include "app/cli/commands.h"
#include "core/io/json_numbers.h"

namespace depthscope::cli {

void add_variance_at_init_command(CLI::App& app) {
  struct Options {
    VarianceAtInitRequest request;
    std::string scheme = "pre";
    bool json = false;
    std::string device = "cpu";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "variance-at-init", "Per-layer residual-stream variance of a random model (paper init)");
  cmd->add_option("--layers", o->request.layers, "Number of layers L")->capture_default_str();
  cmd->add_option("--width", o->request.width, "Hidden size d")->capture_default_str();
  std::string names;
  for (NormScheme s : all_norm_schemes()) names += (names.empty() ? "" : ", ") + to_string(s);
  cmd->add_option("--scheme", o->scheme, "Norm scheme: " + names)->capture_default_str();
  cmd->add_option("--seq", o->request.seq_len, "Tokens per sequence")->capture_default_str();
  cmd->add_option("--batch", o->request.batch, "Sequences")->capture_default_str();
  cmd->add_option("--seed", o->request.seed, "Random seed")->capture_default_str();
  add_device_option(cmd, o->device);
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o] {
    o->request.scheme = parse_norm_scheme(o->scheme);
    o->request.device = require_device(o->device);
    const ModelConfig config = variance_at_init_config(o->request);  // validates before any compute
    const auto layers = variance_at_init(o->request);
    if (o->json) {
      nlohmann::json j;
      j["scheme"] = o->scheme;
      j["display_name"] = display_name(o->request.scheme);
      j["device"] = o->request.device.name();
      j["model"] = {{"layers", config.num_layers},       {"width", config.hidden_size},
                    {"heads", config.num_heads},         {"head_size", config.resolved_head_dim()},
                    {"ffn", config.intermediate_size},   {"vocab", config.vocab_size}};
      j["layers"] = nlohmann::json::array();
      for (const auto& v : layers)
        j["layers"].push_back({{"layer", v.layer},
                               {"input_variance", v.input_variance},
                               {"output_variance", v.output_variance}});
      std::cout << faithful_json(j).dump(2) << "\n";
      return;
    }
    std::printf("%s, model: %lld layers x %lld, %lld heads of %lld, FFN %lld\n", display_name(o->request.scheme).c_str(),
                static_cast<long long>(config.num_layers), static_cast<long long>(config.hidden_size),
                static_cast<long long>(config.num_heads), static_cast<long long>(config.resolved_head_dim()),
                static_cast<long long>(config.intermediate_size));
    std::printf("%-6s %16s %16s\n", "layer", "input_variance", "output_variance");
    for (const auto& v : layers)
      std::printf("%-6lld %16.6g %16.6g\n", static_cast<long long>(v.layer), v.input_variance,
                  v.output_variance);
    if (!layers.empty())
      std::printf("last/first output variance: %.3f\n",
                  layers.back().output_variance / layers.front().output_variance);
  });
}

}  // namespace depthscope::cli
