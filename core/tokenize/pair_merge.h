#pragma once
// The greedy pair-merge loop shared by BPE (lowest merge rank first) and llama2.c (highest
// merged-token score first): repeatedly replace the best adjacent pair of symbols by the
// symbol it merges into, the leftmost pair winning ties, until no pair merges.
//
// A doubly linked list over the symbols plus a priority queue of candidate pairs makes this
// O(n log n) instead of rescanning all pairs after each merge, so a whole document with no
// pre-tokenizer (SentencePiece-style BPE) still encodes quickly.
#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

namespace depthscope {

struct PairMerge {
  double priority = 0;  // lower merges first
  std::int32_t merged_id = 0;
};

// `lookup(left_id, right_id)` returns the merge of that pair, or nullopt when it does not merge.
template <class Lookup>
std::vector<std::int32_t> merge_pairs(std::vector<std::int32_t> ids, const Lookup& lookup) {
  const int n = static_cast<int>(ids.size());
  if (n < 2) return ids;
  std::vector<int> prev(n), next(n);
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    double priority;
    int left;  // position of the left symbol; smaller = further left, so it wins ties
    int right;
    std::int32_t left_id, right_id, merged_id;
    bool operator>(const Candidate& o) const {
      return priority != o.priority ? priority > o.priority : left > o.left;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  const auto consider = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    if (std::optional<PairMerge> m = lookup(ids[left], ids[right]))
      queue.push({m->priority, left, right, ids[left], ids[right], m->merged_id});
  };
  for (int i = 0; i + 1 < n; ++i) consider(i, i + 1);

  std::vector<bool> alive(n, true);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    // Stale when either symbol has since merged with something else.
    if (!alive[c.left] || !alive[c.right] || next[c.left] != c.right ||
        ids[c.left] != c.left_id || ids[c.right] != c.right_id)
      continue;
    ids[c.left] = c.merged_id;
    alive[c.right] = false;
    next[c.left] = next[c.right];
    if (next[c.left] >= 0) prev[next[c.left]] = c.left;
    consider(prev[c.left], c.left);
    consider(c.left, next[c.left]);
  }
  std::vector<std::int32_t> out;
  for (int i = 0; i >= 0; i = next[i]) out.push_back(ids[i]);
  return out;
}

}  // namespace depthscope
