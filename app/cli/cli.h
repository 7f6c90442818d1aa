#pragma once
// Entry point of depthscope-cli (app/cli_main.cpp is a one-line wrapper around it).
namespace depthscope::cli {
int run_cli(int argc, char** argv);
}
