#include "core/analysis/analysis_cache.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <utility>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/json_numbers.h"
#include "core/train/corpus_sampling.h"
#include "core/version.h"

namespace depthscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::int64_t kFormat = 1;  // the file layout; another value reads as absent

// ---- Fingerprint -------------------------------------------------------------------------

// The text in double quotes, with quotes, backslashes and every byte outside printable ASCII
// written as \xHH, so the fingerprint is plain ASCII and no value can run into the next.
std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F && c != '"' && c != '\\') {
      q += c;
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", b);
      q += hex;
    }
  }
  return q + "\"";
}

// "file <label> <size> <mtime ns>" of a regular file, or "... missing" when it cannot be read.
std::string file_stamp(const std::string& label, const fs::path& p) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(p, ec);
  if (ec) return "file\t" + quoted(label) + "\tmissing\n";
  const auto time = fs::last_write_time(p, ec);
  if (ec) return "file\t" + quoted(label) + "\tmissing\n";
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  return "file\t" + quoted(label) + "\t" + std::to_string(size) + "\t" + std::to_string(ns) + "\n";
}

// The stamp of a file, or of every regular file directly inside a folder (sorted by name);
// nothing for an empty path.
std::string stamp(const std::string& label, const std::string& path) {
  if (path.empty()) return "";
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return file_stamp(label, path);
  std::vector<std::string> names;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  std::string s = "folder\t" + quoted(label) + "\t" + std::to_string(names.size()) + "\n";
  for (const std::string& n : names) s += file_stamp(label + "/" + n, fs::path(path) / n);
  return s;
}

// ---- JSON fields -------------------------------------------------------------------------

// A cache file that does not hold what this version writes (caught in load_analysis).
struct BadFile : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The inverse of json_number: a number, or the string json_number writes for a non-finite one.
double number(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (j == "Infinity") return std::numeric_limits<double>::infinity();
  if (j == "-Infinity") return -std::numeric_limits<double>::infinity();
  throw BadFile("not a number");
}

std::int64_t integer(const json& j) {
  if (!j.is_number_integer()) throw BadFile("not an integer");
  if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    throw BadFile("integer out of range");
  return j.get<std::int64_t>();
}

std::string text(const json& j) {
  if (!j.is_string()) throw BadFile("not a string");
  return j.get<std::string>();
}

const json& array(const json& j) {
  if (!j.is_array()) throw BadFile("not an array");
  return j;
}

json numbers(const std::vector<double>& v) {
  json a = json::array();
  for (const double x : v) a.push_back(json_number(x));
  return a;
}

std::vector<double> numbers(const json& j) {
  std::vector<double> v;
  for (const json& x : array(j)) v.push_back(number(x));
  return v;
}

// The double fields of each struct, by name: one table serves writing and reading.
template <class T>
using DoubleFields = std::vector<std::pair<const char*, double T::*>>;

const DoubleFields<LayerStats> kStatsFields = {
    {"input_variance", &LayerStats::input_variance},
    {"input_token_variance", &LayerStats::input_token_variance},
    {"output_variance", &LayerStats::output_variance},
    {"output_token_variance", &LayerStats::output_token_variance},
    {"rms", &LayerStats::rms},
    {"attn_update_ratio", &LayerStats::attn_update_ratio},
    {"mlp_update_ratio", &LayerStats::mlp_update_ratio},
    {"attn_norm_out_variance", &LayerStats::attn_norm_out_variance},
    {"mlp_norm_out_variance", &LayerStats::mlp_norm_out_variance},
    {"block_influence", &LayerStats::block_influence},
    {"logit_lens_loss", &LayerStats::logit_lens_loss}};
const DoubleFields<RemovalScore> kScoreFields = {
    {"loss", &RemovalScore::loss},
    {"ppl", &RemovalScore::ppl},
    {"accuracy", &RemovalScore::accuracy},
    {"acc_norm", &RemovalScore::acc_norm},
    {"acc_stderr", &RemovalScore::acc_stderr},
    {"acc_norm_stderr", &RemovalScore::acc_norm_stderr}};
const DoubleFields<LayerRemovalEntry> kRemovalFields = {
    {"delta_loss", &LayerRemovalEntry::delta_loss},
    {"delta_ppl", &LayerRemovalEntry::delta_ppl},
    {"delta_accuracy", &LayerRemovalEntry::delta_accuracy},
    {"delta_acc_norm", &LayerRemovalEntry::delta_acc_norm}};

template <class T>
void put(json& j, const T& x, const DoubleFields<T>& fields) {
  for (const auto& [name, member] : fields) j[name] = json_number(x.*member);
}

template <class T>
void get(const json& j, T& x, const DoubleFields<T>& fields) {
  for (const auto& [name, member] : fields) x.*member = number(j.at(name));
}

json score_json(const RemovalScore& s) {
  json j = json::object();
  put(j, s, kScoreFields);
  return j;
}

RemovalScore score_from(const json& j) {
  RemovalScore s;
  get(j, s, kScoreFields);
  return s;
}

json record_json(const std::string& fingerprint, const AnalysisRecord& r) {
  json j = {{"format", kFormat}, {"fingerprint", fingerprint}, {"tokens", r.tokens}, {"source", r.source},
            {"memory_estimate_bytes", r.memory_estimate_bytes}, {"seconds", json_number(r.seconds)},
            {"computed_at", r.computed_at}, {"baseline", score_json(r.baseline)}};
  json& stats = j["stats"] = json::array();
  for (const LayerStats& s : r.stats) {
    json e = {{"layer", s.layer},
              {"angular_to_output_token_mean", numbers(s.angular_to_output_token_mean)},
              {"angular_to_output_last_token", numbers(s.angular_to_output_last_token)}};
    put(e, s, kStatsFields);
    stats.push_back(std::move(e));
  }
  json& removal = j["removal"] = json::array();
  for (const LayerRemovalEntry& x : r.removal) {
    json e = {{"layer", x.layer}, {"score", score_json(x.score)}};
    put(e, x, kRemovalFields);
    removal.push_back(std::move(e));
  }
  json& pruning = j["pruning"] = json::array();
  for (const PruningStep& p : r.pruning)
    pruning.push_back({{"removed_count", p.removed_count}, {"layer", p.layer}, {"removed", p.removed},
                       {"score", score_json(p.score)}});
  return j;
}

AnalysisRecord record_from(const json& j) {
  AnalysisRecord r;
  r.tokens = integer(j.at("tokens"));
  r.source = text(j.at("source"));
  r.memory_estimate_bytes = integer(j.at("memory_estimate_bytes"));
  r.seconds = number(j.at("seconds"));
  r.computed_at = text(j.at("computed_at"));
  r.baseline = score_from(j.at("baseline"));
  for (const json& e : array(j.at("stats"))) {
    LayerStats s;
    s.layer = integer(e.at("layer"));
    get(e, s, kStatsFields);
    s.angular_to_output_token_mean = numbers(e.at("angular_to_output_token_mean"));
    s.angular_to_output_last_token = numbers(e.at("angular_to_output_last_token"));
    r.stats.push_back(std::move(s));
  }
  for (const json& e : array(j.at("removal"))) {
    LayerRemovalEntry x;
    x.layer = integer(e.at("layer"));
    x.score = score_from(e.at("score"));
    get(e, x, kRemovalFields);
    r.removal.push_back(x);
  }
  for (const json& e : array(j.at("pruning"))) {
    PruningStep p;
    p.removed_count = integer(e.at("removed_count"));
    p.layer = integer(e.at("layer"));
    for (const json& l : array(e.at("removed"))) p.removed.push_back(integer(l));
    p.score = score_from(e.at("score"));
    r.pruning.push_back(std::move(p));
  }
  return r;
}

std::string utc_now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string analysis_fingerprint(const AnalysisKey& key) {
  std::string s = "depthscope-inspect-cache\t" + std::to_string(kFormat) + "\n";
  s += "version\t" + quoted(DEPTHSCOPE_VERSION) + "\n";
  s += "checkpoint\t" + quoted(key.checkpoint) + "\n";
  s += "text\t" + quoted(key.text) + "\n";
  s += "choices\t" + quoted(key.choices) + "\n";
  s += "max_tokens\t" + std::to_string(key.max_tokens) + "\n";
  s += "n_ctx\t" + std::to_string(key.n_ctx) + "\n";
  s += "max_pruned\t" + std::to_string(key.max_pruned) + "\n";
  s += "device\t" + quoted(key.device) + "\n";
  return s + stamp("checkpoint", key.checkpoint) + stamp("text", key.text) + stamp("choices", key.choices);
}

fs::path analysis_cache_file(const fs::path& dir, const std::string& fingerprint) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, fnv1a64(fingerprint));
  return dir / ("inspect-" + std::string(hex) + ".json");
}

std::optional<AnalysisRecord> load_analysis(const fs::path& dir, const std::string& fingerprint) {
  try {
    std::ifstream in(analysis_cache_file(dir, fingerprint), std::ios::binary);
    if (!in) return std::nullopt;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return std::nullopt;
    const json j = json::parse(bytes);
    if (!j.is_object() || integer(j.at("format")) != kFormat) return std::nullopt;
    if (text(j.at("fingerprint")) != fingerprint) return std::nullopt;  // a hash collision
    return record_from(j);
  } catch (const std::exception&) {  // nlohmann's errors, BadFile, bad_alloc
    return std::nullopt;
  }
}

void save_analysis(const fs::path& dir, const std::string& fingerprint, const AnalysisRecord& record) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    throw FileError(dir.string(), "", "cannot create the analysis cache folder: " +
                                          (ec ? ec.message() : std::string("not a folder")));
  }
  json j = record_json(fingerprint, record);
  if (record.computed_at.empty()) j["computed_at"] = utc_now_iso8601();
  AtomicFileWriter out(analysis_cache_file(dir, fingerprint).string());
  // Bytes that are not UTF-8 (a source name) are replaced rather than refused.
  out.write(j.dump(1, ' ', false, json::error_handler_t::replace));
  out.commit();
}

}  // namespace depthscope
