// oneDNN's counterpart of `depthscope-cli bench-gemm` (docs/benchmarks.md, "The packed GEMM
// kernels against OpenBLAS and oneDNN"): GFLOP/s of a oneDNN matmul y [M, N] = x [M, K] W^T on
// the same shapes, the weights in oneDNN's own layout (format_tag::any, reordered once), fastest
// of 20 calls. Not part of the build (oneDNN is no DepthScope dependency):
//   apt-get install libdnnl-dev && g++ -O2 -std=c++17 tools/bench/onednn_matmul.cpp -o /tmp/onednn_matmul -ldnnl
//   OMP_NUM_THREADS=1 DNNL_MAX_CPU_ISA=AVX2 /tmp/onednn_matmul      (or AVX512_CORE)
#include <oneapi/dnnl/dnnl.hpp>
#include <chrono>
#include <cstdio>
#include <vector>
#include <array>
#include <algorithm>
using namespace dnnl;
int main() {
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  for (auto shape : std::vector<std::array<long,3>>{{128,256,688},{96,256,256},{128,688,256},{256,768,2048},{64,256,8192}}) {
    const long M = shape[0], K = shape[1], N = shape[2];
    memory::desc a_md({M, K}, memory::data_type::f32, memory::format_tag::ab);
    memory::desc b_any({K, N}, memory::data_type::f32, memory::format_tag::any);
    memory::desc b_md({K, N}, memory::data_type::f32, memory::format_tag::ba);  // W [N, K] row-major = W^T [K, N] in ba
    memory::desc c_md({M, N}, memory::data_type::f32, memory::format_tag::ab);
    matmul::desc md(a_md, b_any, c_md);
    matmul::primitive_desc pd(md, eng);
    std::vector<float> a(M * K, 0.5f), b(K * N, 0.25f), c(M * N);  // constant inputs: timing only
    memory am(a_md, eng, a.data()), bm_user(b_md, eng, b.data()), cm(c_md, eng, c.data());
    memory bm(pd.weights_desc(), eng);
    reorder(bm_user, bm).execute(s, bm_user, bm);  // weights reordered once
    matmul mm(pd);
    auto run = [&] { mm.execute(s, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}}); s.wait(); };
    run();
    double best = 1e9;
    for (int i = 0; i < 20; ++i) { auto t0 = std::chrono::steady_clock::now(); run(); best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()); }
    std::printf("oneDNN %s M %ld K %ld N %ld: %.1f GFLOP/s\n", pd.impl_info_str(), M, K, N, 2.0 * M * N * K / best / 1e9);
  }
}
