// depthscope-cli presets: the model shapes training knows, with parameter counts.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "core/train/presets.h"

namespace depthscope::cli {

void add_presets_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("presets", "Model presets for training (the paper's sizes and CPU-sized ones)");
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([json] {
    nlohmann::json list = nlohmann::json::array();
    if (!*json) std::printf("%-12s %7s %7s %6s %6s %14s  %s\n", "preset", "layers", "hidden", "ffn", "heads", "parameters", "");
    for (const Preset& p : presets()) {
      const ModelConfig& c = p.config;
      if (*json) {
        list.push_back({{"name", p.name}, {"description", p.description}, {"layers", c.num_layers},
                        {"hidden", c.hidden_size}, {"ffn", c.intermediate_size}, {"heads", c.num_heads},
                        {"vocab", c.vocab_size}, {"parameters", c.parameter_count()}});
      } else {
        std::printf("%-12s %7lld %7lld %6lld %6lld %14lld  %s\n", p.name.c_str(), static_cast<long long>(c.num_layers),
                    static_cast<long long>(c.hidden_size), static_cast<long long>(c.intermediate_size),
                    static_cast<long long>(c.num_heads), static_cast<long long>(c.parameter_count()),
                    p.description.c_str());
      }
    }
    if (*json) std::cout << nlohmann::json({{"presets", list}, {"vocab_note", "parameters at vocab 32000; training uses the corpus vocabulary"}}).dump(2) << "\n";
  });
}

}  // namespace depthscope::cli
