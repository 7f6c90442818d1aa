#include "core/store/run_records.h"

#include <array>
#include <utility>

#include "core/error.h"

namespace depthscope::store {
namespace {

constexpr std::array<std::pair<RunKind, std::string_view>, 2> kKinds{{
    {RunKind::train, "train"}, {RunKind::finetune, "finetune"}}};
constexpr std::array<std::pair<RunStatus, std::string_view>, 6> kStatuses{{
    {RunStatus::queued, "queued"},
    {RunStatus::running, "running"},
    {RunStatus::stopped, "stopped"},
    {RunStatus::finished, "finished"},
    {RunStatus::failed, "failed"},
    {RunStatus::diverged, "diverged"}}};
constexpr std::array<std::pair<EventLevel, std::string_view>, 4> kLevels{{
    {EventLevel::debug, "debug"},
    {EventLevel::info, "info"},
    {EventLevel::warning, "warning"},
    {EventLevel::error, "error"}}};

template <class E, std::size_t N>
std::string_view word_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [value, word] : table)
    if (value == e) return word;
  return "?";
}

template <class E, std::size_t N>
E parse(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view word,
        const char* what) {
  std::string known;
  for (const auto& [value, w] : table) {
    if (w == word) return value;
    known += (known.empty() ? "" : ", ") + std::string(w);
  }
  throw UsageError("unknown " + std::string(what) + " '" + std::string(word) +
                   "'; expected one of: " + known);
}

}  // namespace

std::string_view to_string(RunKind kind) { return word_of(kKinds, kind); }
std::string_view to_string(RunStatus status) { return word_of(kStatuses, status); }
std::string_view to_string(EventLevel level) { return word_of(kLevels, level); }

RunKind parse_run_kind(std::string_view word) { return parse(kKinds, word, "run kind"); }
RunStatus parse_run_status(std::string_view word) { return parse(kStatuses, word, "run status"); }
EventLevel parse_event_level(std::string_view word) { return parse(kLevels, word, "event level"); }

bool is_terminal(RunStatus status) {
  return status == RunStatus::stopped || status == RunStatus::finished ||
         status == RunStatus::failed || status == RunStatus::diverged;
}

}  // namespace depthscope::store
