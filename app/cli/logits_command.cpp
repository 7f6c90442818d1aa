// depthscope-cli logits PATH (--text TEXT | --tokens 1,373,...) [--top-k K] [--device D] [--json]
// The top-k next-token logits at every position of one causal forward.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/cli/analysis_input.h"
#include "app/cli/commands.h"
#include "core/io/json_numbers.h"
#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/transformer.h"
#include "core/tokenize/tokenizer.h"

namespace depthscope::cli {

namespace {

// "1,373, 42" -> {1, 373, 42}; anything else is a UsageError naming the bad item.
std::vector<std::int64_t> parse_id_list(const std::string& list) {
  std::vector<std::int64_t> ids;
  std::string item;
  std::stringstream in(list);
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    const std::string t = item.substr(b, e - b + 1);
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != t.size() || v < 0) throw UsageError("--tokens: '" + t + "' is not a token id");
    ids.push_back(v);
  }
  if (ids.empty()) throw UsageError("--tokens: no token ids given");
  return ids;
}

}  // namespace

void add_logits_command(CLI::App& app) {
  struct Options {
    std::string path, text, tokens;
    int top_k = 5;
    bool json = false, no_bos = false;
    std::string device = "cpu";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("logits", "Top-k next-token logits at every position");
  cmd->add_option("PATH", o->path, "Checkpoint (HF folder, .safetensors, .gguf, llama2.c .bin)")->required();
  auto* text = cmd->add_option("--text", o->text, "Text, tokenized with the checkpoint's tokenizer");
  auto* tokens = cmd->add_option("--tokens", o->tokens, "Token ids, comma separated (e.g. 1,373,42)");
  text->excludes(tokens);
  cmd->add_option("--top-k", o->top_k, "Logits to list per position")->capture_default_str();
  cmd->add_flag("--no-bos", o->no_bos, "Do not prepend the tokenizer's BOS to --text");
  add_device_option(cmd, o->device);
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o, text, tokens] {
    if (text->count() == 0 && tokens->count() == 0) throw UsageError("logits: give --text or --tokens");
    const ComputeDevice device = require_device(o->device);
    const Transformer model = load_model_on(o->path, device);
    std::unique_ptr<Tokenizer> tok = find_tokenizer_for(o->path);
    std::vector<std::int64_t> ids;
    if (tokens->count() > 0) {
      ids = parse_id_list(o->tokens);
    } else {
      if (!tok) tok = make_byte_tokenizer();
      if (!o->no_bos && tok->bos_id()) ids.push_back(*tok->bos_id());
      const auto enc = tok->encode(o->text);
      ids.insert(ids.end(), enc.begin(), enc.end());
    }
    const std::int64_t T = static_cast<std::int64_t>(ids.size());
    const std::int64_t k = std::max<std::int64_t>(1, std::min<std::int64_t>(o->top_k, model.config().vocab_size));

    at::NoGradGuard no_grad;
    at::Tensor input = at::tensor(ids, at::kLong).view({1, T});  // [1, T] (moved to the model's device)
    at::Tensor logits = model.forward(input)[0];                 // [T, V] on the device
    auto [top_values, top_indices] = logits.topk(k, -1);         // [T, k] sorted, largest first
    const at::Tensor values = top_values.cpu(), indices = top_indices.cpu();  // read here
    auto v = values.accessor<float, 2>();
    auto ix = indices.accessor<std::int64_t, 2>();

    if (o->json) {
      nlohmann::json j;
      j["device"] = device.name();
      j["positions"] = nlohmann::json::array();
      for (std::int64_t p = 0; p < T; ++p) {
        nlohmann::json top = nlohmann::json::array();
        for (std::int64_t i = 0; i < k; ++i) top.push_back({{"id", ix[p][i]}, {"logit", v[p][i]}});
        j["positions"].push_back({{"pos", p}, {"token", ids[static_cast<size_t>(p)]}, {"top", top}});
      }
      std::cout << faithful_json(j).dump() << "\n";
      return;
    }
    auto piece = [&](std::int64_t id) {
      if (!tok || id >= tok->vocab_size()) return std::string();
      std::string s = tok->piece(id);
      for (char& c : s)
        if (c == '\n') c = ' ';
      return "'" + s + "'";
    };
    for (std::int64_t p = 0; p < T; ++p) {
      std::printf("pos %-4lld token %-6lld %-12s ->", static_cast<long long>(p),
                  static_cast<long long>(ids[static_cast<size_t>(p)]), piece(ids[static_cast<size_t>(p)]).c_str());
      for (std::int64_t i = 0; i < k; ++i)
        std::printf("  %lld%s %.4f", static_cast<long long>(ix[p][i]), piece(ix[p][i]).c_str(), v[p][i]);
      std::printf("\n");
    }
  });
}

}  // namespace depthscope::cli
