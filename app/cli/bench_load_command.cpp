// depthscope-cli bench-load PATH: the cost of opening a checkpoint, against the physical floor
// measured in the same run — reading the same file(s) once from the page cache.
//   floor   read() of every file into one reused 8 MiB buffer (warm page cache)
//   open    load_checkpoint (mmap; F32 tensors are views, nothing is read yet)
//   touch   summing every tensor once, so every page is actually read
// Peak RSS (VmHWM) is read from /proc/self/status before and after.
#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/cli/commands.h"
#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/model/quantised_weight.h"

namespace depthscope::cli {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Peak resident set size of this process in bytes.
std::int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      std::int64_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(1 << 16, '\n');
  }
  return 0;
}

// Reads every regular file under `path` (or `path` itself) once; returns the bytes read.
std::int64_t read_once(const std::string& path) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& e : std::filesystem::directory_iterator(path))
      if (e.is_regular_file()) files.push_back(e.path());
  } else {
    files.emplace_back(path);
  }
  std::vector<char> buf(8 << 20);
  std::int64_t total = 0;
  for (const auto& f : files) {
    const int fd = ::open(f.c_str(), O_RDONLY);
    if (fd < 0) throw FileError(f.string(), "", "cannot open for reading");
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) total += n;
    ::close(fd);
  }
  return total;
}

}  // namespace

void add_bench_load_command(CLI::App& app) {
  struct Options {
    std::string path;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("bench-load", "Benchmark: checkpoint load time and peak RSS vs reading the file from page cache");
  cmd->add_option("PATH", o->path, "Checkpoint")->required();
  cmd->callback([o] {
    read_once(o->path);  // warm the page cache, so both timings below start from it
    const std::int64_t rss0 = peak_rss_bytes();
    double t = now_s();
    const std::int64_t bytes = read_once(o->path);
    const double floor_s = now_s() - t;

    t = now_s();
    LoadedCheckpoint ck = load_checkpoint(o->path);
    const double open_s = now_s() - t;
    const std::int64_t rss_open = peak_rss_bytes();

    t = now_s();
    double checksum = 0;
    for (const auto& [name, tensor] : named_tensors(ck.weights, ck.config))
      checksum += dequantised_weight(*tensor).sum().item<double>();  // GGUF blocks: dequantised
    const double touch_s = now_s() - t;
    const std::int64_t rss_touch = peak_rss_bytes();

    const nlohmann::json j = {
        {"path", o->path},
        {"file_bytes", bytes},
        {"format", ck.format},
        {"source_dtype", ck.source_dtype},
        {"page_cache_read_s", floor_s},
        {"open_s", open_s},
        {"open_and_touch_s", open_s + touch_s},
        {"open_and_touch_over_read", (open_s + touch_s) / floor_s},
        {"peak_rss_before_bytes", rss0},
        {"peak_rss_increase_after_open_bytes", rss_open - rss0},
        {"peak_rss_increase_after_touch_bytes", rss_touch - rss0},
        {"checksum", checksum},
    };
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace depthscope::cli
