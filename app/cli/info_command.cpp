// depthscope-cli info: version, LibTorch, BLAS, threads, CUDA, and where the sentencepiece
// plugin and the installed data (specs, examples) were found.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/commands.h"
#include "core/runtime/device.h"
#include "core/runtime/install_layout.h"
#include "app/cli/bench_support.h"
#include "core/runtime/threads.h"
#include "core/tokenize/sentencepiece_plugin_loader.h"
#include "core/version.h"

namespace depthscope::cli {

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Version, LibTorch, BLAS, threads and CUDA devices");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([json] {
    const DeviceReport dev = device_report();
    const SpmPlugin& spm = spm_plugin();
    nlohmann::json j = {
        {"version", DEPTHSCOPE_VERSION},
        {"libtorch", torch_version()},
        {"blas", blas_name()},
        {"threads", threads()},
        {"cores", hardware_cores()},
        {"cuda",
         {{"kernels_built", dev.kernels_built},
          {"torch_cuda", dev.torch_cuda},
          {"available", dev.cuda_available},
          {"devices", dev.devices}}},
        {"sentencepiece_plugin", spm.ok() ? spm.path : ""},
        {"data_dir", data_dir()},
    };
    j.update(process_kernels_json());
    if (*json) {
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::cout << "DepthScope " << DEPTHSCOPE_VERSION << "\n"
              << "LibTorch   " << torch_version() << "\n"
              << "BLAS       " << blas_name() << "\n"
              << "threads    " << threads() << " of " << hardware_cores() << " cores\n"
              << "kernels    DepthScope " << row_kernel_isa() << ", ATen " << aten_cpu_capability() << ", OpenBLAS "
              << (openblas_kernels().empty() ? "-" : openblas_kernels()) << " (DEPTHSCOPE_CPU_ISA=avx2: the AVX2 paths)\n"
              << "CUDA       " << dev.summary() << "\n"
              << "plugin     " << (spm.ok() ? spm.path : "sentencepiece plugin not loaded: " + spm.error) << "\n"
              << "data       " << (data_dir().empty() ? "(not found)" : data_dir()) << "\n";
    for (size_t i = 0; i < dev.devices.size(); ++i)
      std::cout << "  cuda:" << i << "  " << dev.devices[i] << "\n";
  });
}

}  // namespace depthscope::cli
