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

}  // namespace depthscope::cli
