#pragma once
// depthscope-cli bench-forward --matrix (issue 11): forward tokens/s of DepthScope and of an
// eager PyTorch peer (tools/bench/forward_matrix.py --serve) over a matrix of shapes, the two
// taking turns in one run (one forward each per repetition, fastest of N each), with the ratio.
#include <nlohmann/json.hpp>

#include <string>

namespace depthscope::cli {

struct MatrixOptions {
  std::string python = "/usr/bin/python3";
  std::string peer = "tools/bench/forward_matrix.py";  // relative to the working directory
  int reps = 7;
  int warmup = 1;
  std::string only;  // comma-separated row names; empty: every row
  bool no_peer = false;
};

// Runs the matrix and returns {"rows": [...], ...}; prints a Markdown table to stderr as it goes.
nlohmann::json run_forward_matrix(const MatrixOptions& options);

}  // namespace depthscope::cli
