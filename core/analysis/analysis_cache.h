#pragma once
// An on-disk cache of one "Inspect" analysis of a checkpoint, so that reopening the same
// checkpoint with the same evaluation text and settings can show the stored results.
// One JSON file per fingerprint: <dir>/inspect-<16 hex digits>.json. Torch-free.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/analysis/layer_removal.h"
#include "core/analysis/layer_stats.h"

namespace depthscope {

// What an Inspect analysis depends on.
struct AnalysisKey {
  std::string checkpoint;  // path as opened (folder or file)
  std::string text;        // evaluation text file ("" = the default corpus)
  std::string choices;     // multiple-choice JSONL ("" = none)
  std::int64_t max_tokens = 0, n_ctx = 0, max_pruned = 0;
  std::string device;      // "cpu", "cuda:0"
};

// The results of one analysis.
struct AnalysisRecord {
  std::vector<LayerStats> stats;           // layer 1..L, as layer_statistics reported them
  RemovalScore baseline;
  std::vector<LayerRemovalEntry> removal;  // layer 1..L
  std::vector<PruningStep> pruning;        // step 0.. as greedy_pruning_curve reported them
  std::int64_t tokens = 0;                 // evaluation tokens used
  std::string source;                      // where the tokens came from (EvalSet::source)
  std::int64_t memory_estimate_bytes = 0;
  double seconds = 0;                      // how long the computation took
  std::string computed_at;                 // ISO 8601 UTC time it was written
};

// A stable text naming everything the results depend on: DepthScope's version, every field
// of the key, and the size and modification time (nanoseconds) of the checkpoint file, or of
// every regular file directly inside a checkpoint folder (sorted by name), of the text file
// and of the choices file. A file that changes gives another fingerprint; a missing file is
// written as missing (no error).
std::string analysis_fingerprint(const AnalysisKey& key);

// dir / ("inspect-" + 16 hex digits of the 64-bit FNV-1a hash of the fingerprint + ".json").
std::filesystem::path analysis_cache_file(const std::filesystem::path& dir, const std::string& fingerprint);

// The record stored for this fingerprint, or nullopt when there is none, when the file is
// unreadable, truncated, not valid JSON, of another format, or holds another fingerprint
// (a hash collision). Never throws for a bad cache file: a cache is only a cache.
std::optional<AnalysisRecord> load_analysis(const std::filesystem::path& dir, const std::string& fingerprint);

// Writes the record, with the fingerprint inside, atomically (a temporary file in dir, then
// rename), creating dir. An empty computed_at is stored as the current UTC time. Throws
// FileError naming the folder or file when it cannot be written.
void save_analysis(const std::filesystem::path& dir, const std::string& fingerprint,
                   const AnalysisRecord& record);

}  // namespace depthscope
