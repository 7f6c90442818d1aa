// depthscope-cli multiple-choice: acc and acc_norm with their standard errors, scored as
// lm-evaluation-harness scores loglikelihood multiple choice (core/analysis/multiple_choice.h).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "app/cli/analysis_input.h"
#include "app/cli/choice_options.h"
#include "app/cli/commands.h"
#include "core/analysis/multiple_choice.h"
#include "core/io/json_numbers.h"
#include "core/model/transformer.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope::cli {

void add_multiple_choice_command(CLI::App& app) {
  struct Options {
    std::string model;
    std::string device = "cpu";
    ChoiceCliOptions choices;
    bool json = false;
    bool progress = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("multiple-choice", "Multiple-choice accuracy (acc, acc_norm, stderr) as lm-evaluation-harness scores it");
  cmd->add_option("MODEL", o->model, "Checkpoint (HF folder, .safetensors, llama2.c .bin, GGUF)")->required();
  add_device_option(cmd, o->device);
  add_choice_options(cmd, o->choices, true);
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->add_flag("--progress", o->progress, "Progress on stderr");
  cmd->callback([o] {
    const ComputeDevice device = require_device(o->device);
    const Transformer model = load_model_on(o->model, device);
    std::unique_ptr<Tokenizer> tokenizer = find_tokenizer_for(o->model);
    if (!tokenizer) tokenizer = make_byte_tokenizer();
    const std::vector<MultipleChoiceItem> items =
        load_choices(o->choices, *tokenizer, model.config().max_position);
    CliProgress progress(o->progress);
    const MultipleChoiceResult r = multiple_choice_accuracy(model, items, progress.control());
    if (o->json) {
      const nlohmann::json j = {{"items", r.items},
                                {"acc", r.acc},
                                {"acc_stderr", r.acc_stderr},
                                {"acc_norm", r.acc_norm},
                                {"acc_norm_stderr", r.acc_norm_stderr},
                                {"acc_per_token", r.acc_per_token},
                                {"choices", o->choices.file},
                                {"num_fewshot", o->choices.num_fewshot},
                                {"add_bos", o->choices.add_bos},
                                {"device", device.name()}};
      std::cout << faithful_json(j).dump(2) << "\n";
      return;
    }
    std::printf("items          %lld\n", static_cast<long long>(r.items));
    std::printf("acc            %.4f ± %.4f\n", r.acc, r.acc_stderr);
    std::printf("acc_norm       %.4f ± %.4f\n", r.acc_norm, r.acc_norm_stderr);
    std::printf("acc_per_token  %.4f   (mean log-likelihood per token; not an lm-eval metric)\n", r.acc_per_token);
  });
}

}  // namespace depthscope::cli
