#pragma once
// depthscope-cli commands. Each command lives in its own file and registers itself on the
// CLI11 app through one function listed here; cli.cpp calls them all. Every command takes
// --json for machine-readable output (documented in docs/cli.md).
namespace CLI {
class App;
}

namespace depthscope::cli {

void add_info_command(CLI::App& app);              // info_command.cpp
void add_variance_at_init_command(CLI::App& app);  // variance_at_init_command.cpp
void add_tokenize_command(CLI::App& app);          // tokenize_command.cpp
void add_stats_command(CLI::App& app);             // stats_command.cpp
void add_perplexity_command(CLI::App& app);        // perplexity_command.cpp
void add_prune_sweep_command(CLI::App& app);       // prune_sweep_command.cpp
void add_multiple_choice_command(CLI::App& app);   // multiple_choice_command.cpp
void add_jacobian_command(CLI::App& app);          // jacobian_command.cpp
void add_bench_forward_command(CLI::App& app);     // bench_forward_command.cpp
void add_inspect_command(CLI::App& app);           // inspect_command.cpp
void add_convert_command(CLI::App& app);           // convert_command.cpp
void add_logits_command(CLI::App& app);            // logits_command.cpp
void add_bench_load_command(CLI::App& app);        // bench_load_command.cpp
void add_corpus_command(CLI::App& app);            // corpus_command.cpp
void add_train_command(CLI::App& app);             // train_command.cpp
void add_presets_command(CLI::App& app);           // presets_command.cpp
void add_jobs_command(CLI::App& app);              // jobs_command.cpp
void add_runs_command(CLI::App& app);              // runs_command.cpp
void add_bench_train_command(CLI::App& app);       // bench_train_command.cpp
void add_bench_kernels_command(CLI::App& app);     // bench_kernels_command.cpp
void add_bench_gemm_command(CLI::App& app);        // bench_gemm_command.cpp
void add_compare_quant_command(CLI::App& app);     // compare_quant_command.cpp

}  // namespace depthscope::cli
