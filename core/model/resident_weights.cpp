#include "core/model/resident_weights.h"

#include <algorithm>
#include <set>

#include "core/io/mapped_file.h"
#include "core/io/weight_slots.h"
#include "core/model/quantised_weight.h"

namespace depthscope {

namespace {

bool released(const at::Tensor& t) {
  return t.defined() && t.numel() > 0 && MappedFile::releases_after_read(t.data_ptr());
}

}  // namespace

std::int64_t resident_weight_bytes(const ModelWeights& w) {
  std::set<const void*> seen;  // a tied head shares the embedding's storage
  std::int64_t held = 0, in_flight_layer = 0, in_flight_head = 0;
  auto add = [&](const at::Tensor& t, std::int64_t& released_bytes) {
    if (is_quantised_weight(t)) return void(held += quantised_weight_bytes(t));  // GGUF blocks, as mapped
    if (!t.defined() || t.numel() == 0 || !seen.insert(t.data_ptr()).second) return;
    const auto bytes = static_cast<std::int64_t>(t.nbytes());
    if (released(t)) released_bytes += bytes;
    else held += bytes;
  };
  for (const ModelSlot& s : model_slots()) {
    std::int64_t released_bytes = 0;
    add(w.*(s.member), released_bytes);
    in_flight_head = std::max(in_flight_head, released_bytes);
  }
  for (const LayerWeights& lw : w.layers) {
    std::int64_t layer_released = 0;
    for (const LayerSlot& s : layer_slots()) add(lw.*(s.member), layer_released);
    in_flight_layer = std::max(in_flight_layer, layer_released);
  }
  return held + in_flight_layer + in_flight_head;
}

}  // namespace depthscope
