#include "app/cli/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "app/cli/commands.h"
#include "core/error.h"
#include "core/runtime/malloc_policy.h"
#include "core/runtime/threads.h"
#include "core/version.h"

namespace depthscope::cli {

int run_cli(int argc, char** argv) {
  // Every command, training jobs included, keeps freed memory for reuse (malloc_policy.h).
  apply_malloc_policy(MallocPolicy::keep);
  CLI::App app{"depthscope-cli: the Curse of Depth lab, headless"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("depthscope-cli ") + DEPTHSCOPE_VERSION);
  int threads = 0;
  app.add_option("--threads", threads, "Threads for tensor math (0 = all cores)");
  app.parse_complete_callback([&] { set_threads(threads); });

  // One line per command file (app/cli/*_command.cpp).
  add_info_command(app);
  add_variance_at_init_command(app);
  add_tokenize_command(app);
  add_stats_command(app);
  add_perplexity_command(app);
  add_prune_sweep_command(app);
  add_multiple_choice_command(app);
  add_jacobian_command(app);
  add_bench_forward_command(app);
  add_inspect_command(app);
  add_convert_command(app);
  add_logits_command(app);
  add_bench_load_command(app);
  add_corpus_command(app);
  add_train_command(app);
  add_presets_command(app);
  add_jobs_command(app);
  add_runs_command(app);
  add_bench_train_command(app);
  add_bench_kernels_command(app);
  add_bench_gemm_command(app);
  add_compare_quant_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const Cancelled&) {
    std::cerr << "depthscope-cli: cancelled\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "depthscope-cli: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace depthscope::cli
