// depthscope-cli inspect PATH [--json]: what a checkpoint holds (family, dimensions,
// parameters by component, dtype, norm scheme, tokenizer, memory needed; for a GGUF file each
// tensor's ggml type and bits per weight). JSON fields are documented in docs/checkpoints.md.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "core/io/checkpoint.h"
#include "core/io/gguf_file.h"
#include "core/io/gguf_summary.h"
#include "core/io/summarize.h"

namespace depthscope::cli {

namespace {

nlohmann::ordered_json summary_json(const ModelSummary& s) {
  nlohmann::ordered_json j;
  j["path"] = s.path;
  j["format"] = s.format;
  j["family"] = s.family;
  j["norm_scheme"] = s.scheme;
  j["source_dtype"] = s.source_dtype;
  j["hidden_size"] = s.hidden_size;
  j["intermediate_size"] = s.intermediate_size;
  j["layers"] = s.num_layers;
  j["heads"] = s.num_heads;
  j["kv_heads"] = s.num_kv_heads;
  j["head_dim"] = s.head_dim;
  j["vocab_size"] = s.vocab_size;
  j["max_position"] = s.max_position;
  j["tied_embeddings"] = s.tied_embeddings;
  j["parameters"] = {{"total", s.parameters.total()},
                     {"embeddings", s.parameters.embeddings},
                     {"attention", s.parameters.attention},
                     {"mlp", s.parameters.mlp},
                     {"norms", s.parameters.norms},
                     {"head", s.parameters.head}};
  j["layer_parameters"] = s.layer_parameters;
  j["tokenizer"] = s.tokenizer;
  j["memory_bytes_f32"] = s.memory_bytes;
  j["memory_bytes_held"] = s.held_bytes;
  return j;
}

std::string with_commas(std::int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string human_bytes(std::int64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// "12,345 each" when every layer has the same count, else "1: 12,345  2: 12,400 ...".
std::string per_layer_text(const std::vector<std::int64_t>& counts) {
  if (counts.empty()) return "-";
  bool same = true;
  for (std::int64_t n : counts) same &= n == counts.front();
  if (same) return with_commas(counts.front()) + " each";
  std::string out;
  for (std::size_t l = 0; l < counts.size(); ++l)
    out += (l ? "  " : "") + std::to_string(l + 1) + ": " + with_commas(counts[l]);
  return out;
}

void print_text(const ModelSummary& s) {
  auto pct = [&](std::int64_t n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%5.1f%%", s.parameters.total() ? 100.0 * n / s.parameters.total() : 0.0);
    return std::string(buf);
  };
  std::cout << "checkpoint   " << s.path << " (" << s.format << ", " << s.source_dtype << ")\n"
            << "family       " << s.family << ", norm scheme " << s.scheme << "\n"
            << "dimensions   d " << s.hidden_size << ", ffn " << s.intermediate_size << ", layers " << s.num_layers
            << ", heads " << s.num_heads << " (kv " << s.num_kv_heads << ", head dim " << s.head_dim << ")\n"
            << "vocabulary   " << s.vocab_size << (s.tied_embeddings ? " (head tied to embeddings)" : "")
            << ", context " << s.max_position << "\n"
            << "parameters   " << with_commas(s.parameters.total()) << "\n"
            << "  embeddings " << pct(s.parameters.embeddings) << "  " << with_commas(s.parameters.embeddings) << "\n"
            << "  attention  " << pct(s.parameters.attention) << "  " << with_commas(s.parameters.attention) << "\n"
            << "  mlp        " << pct(s.parameters.mlp) << "  " << with_commas(s.parameters.mlp) << "\n"
            << "  norms      " << pct(s.parameters.norms) << "  " << with_commas(s.parameters.norms) << "\n"
            << "  head       " << pct(s.parameters.head) << "  " << with_commas(s.parameters.head) << "\n"
            << "per layer    " << per_layer_text(s.layer_parameters) << "\n"
            << "tokenizer    " << s.tokenizer << "\n"
            << "memory       " << human_bytes(s.memory_bytes) << " as float32";
  if (s.held_bytes != s.memory_bytes)
    std::cout << ", " << human_bytes(s.held_bytes) << " as held (" << s.source_dtype
              << " in the file mapping, widened one layer at a time)";
  std::cout << "\n";
}

nlohmann::ordered_json storage_json(const GgufStorage& g) {
  nlohmann::ordered_json j;
  j["gguf_version"] = g.version;
  j["architecture"] = g.architecture;
  j["bits_per_weight"] = g.bits_per_weight;
  j["bytes"] = g.bytes;
  j["tensors"] = nlohmann::ordered_json::array();
  for (const GgufTensorRow& r : g.tensors)
    j["tensors"].push_back({{"name", r.name}, {"type", r.type}, {"shape", r.shape}, {"bytes", r.bytes},
                            {"bits_per_weight", r.bits_per_weight}});
  return j;
}

void print_storage(const GgufStorage& g) {
  std::printf("gguf         version %u, %s, %.2f bits per weight over %s weights (%s)\n", g.version,
              g.architecture.c_str(), g.bits_per_weight, with_commas(g.elements).c_str(), human_bytes(g.bytes).c_str());
  std::printf("  %-28s %-6s %6s  %s\n", "tensor", "type", "bits", "shape");
  for (const GgufTensorRow& r : g.tensors) {
    std::string shape;
    for (std::int64_t d : r.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
    std::printf("  %-28s %-6s %6.2f  %s\n", r.name.c_str(), r.type.c_str(), r.bits_per_weight, shape.c_str());
  }
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Describe a checkpoint: family, sizes, parameters, dtype, tokenizer");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("path", *path, "HF folder, .safetensors, .gguf, or llama2.c .bin")->required();
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([path, json] {
    const ModelSummary s = summarize(load_checkpoint(*path));
    nlohmann::ordered_json j = summary_json(s);
    if (s.format == "gguf") {
      const GgufStorage g = gguf_storage(open_gguf(s.path).header);
      if (*json) j["gguf"] = storage_json(g);
      else {
        print_text(s);
        print_storage(g);
      }
      if (*json) std::cout << j.dump(2) << "\n";
      return;
    }
    if (*json) std::cout << j.dump(2) << "\n";
    else print_text(s);
  });
}

}  // namespace depthscope::cli
