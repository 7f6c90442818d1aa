// depthscope-cli jacobian: token-averaged Jacobian of one block and its diagonal dominance.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "core/analysis/block_jacobian.h"
#include "app/cli/analysis_input.h"
#include "app/cli/commands.h"
#include "core/io/json_numbers.h"
#include "core/model/transformer.h"

namespace depthscope::cli {

void add_jacobian_command(CLI::App& app) {
  struct Options {
    AnalysisInputOptions input;
    std::int64_t layer = 0;
    BlockJacobianOptions jacobian;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("jacobian", "Token-averaged Jacobian of block L (finite differences) and its diagonal dominance");
  add_analysis_input_options(cmd, o->input);
  cmd->add_option("--layer", o->layer, "Block, 1..L")->required();
  cmd->add_option("--ctx", o->jacobian.n_ctx, "Tokens averaged over (the first N of the text)")->capture_default_str();
  cmd->add_option("--positions", o->jacobian.positions, "Positions the per-token Jacobian dy_t/dx_t is averaged over")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON (with the d x d matrix)");
  cmd->callback([o] {
    const AnalysisInput in = load_analysis_input(o->input);
    BlockJacobianResult r;
    {
      CliProgress progress(o->input.progress);
      r = block_jacobian(*in.model, in.tokens, o->layer, o->jacobian, progress.control());
    }
    if (o->json) {
      nlohmann::json rows = nlohmann::json::array();
      for (std::int64_t i = 0; i < r.dim; ++i)
        rows.push_back(std::vector<double>(r.jacobian.begin() + i * r.dim, r.jacobian.begin() + (i + 1) * r.dim));
      nlohmann::json j = {{"layer", r.layer},
                          {"dim", r.dim},
                          {"device", in.device.name()},
                          {"tokens", r.tokens},
                          {"definition", "per-token dy_t/dx_t, exact (autograd), mean over positions"},
                          {"positions", r.positions},
                          {"memory_estimate_bytes", r.memory_estimate_bytes},
                          {"diagonal_dominance", r.diagonal_dominance},
                          {"identity_distance", r.identity_distance},
                          {"mean_abs_diagonal", r.mean_abs_diagonal},
                          {"mean_abs_off_diagonal", r.mean_abs_off_diagonal},
                          {"jacobian", rows}};
      std::cout << faithful_json(j).dump(2) << "\n";
      return;
    }
    std::printf("layer %lld: %lld x %lld per-token Jacobian dy_t/dx_t (autograd), mean over %zu positions of %lld tokens\n",
                static_cast<long long>(r.layer), static_cast<long long>(r.dim), static_cast<long long>(r.dim),
                r.positions.size(), static_cast<long long>(r.tokens));
    std::printf("diagonal dominance  %.4f   (sum |J_ii| / sum |J_ij|; 1 = diagonal)\n", r.diagonal_dominance);
    std::printf("||J - I||_F / sqrt(d)  %.4f\n", r.identity_distance);
    std::printf("mean |diagonal| %.4f   mean |off-diagonal| %.5f\n", r.mean_abs_diagonal, r.mean_abs_off_diagonal);
  });
}

}  // namespace depthscope::cli
