#include "app/cli/cli.h"

int main(int argc, char** argv) { return depthscope::cli::run_cli(argc, argv); }
