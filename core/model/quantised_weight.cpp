#include "core/model/quantised_weight.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "core/error.h"
#include "core/io/gguf_dequant.h"
#include "core/io/mapped_file.h"
#include "core/io/weight_slots.h"
#include "core/model/packed_gemm.h"
#include "core/runtime/parallel.h"

namespace depthscope {

namespace {

using WeakTensor = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;

struct Entry {
  explicit Entry(WeakTensor t) : tensor(std::move(t)) {}
  // Keeps the TensorImpl's memory from being reused while the entry exists, so its address
  // cannot name another tensor; expired once the tensor is gone.
  WeakTensor tensor;
  std::shared_ptr<MappedFile> keep;
  const std::uint8_t* blocks = nullptr;
  GgmlType type = GgmlType::f32;
  std::int64_t rows = 0, cols = 0, row_bytes = 0;
  std::vector<std::int64_t> rows_from;
};

std::mutex registry_mutex;
std::unordered_map<const c10::TensorImpl*, std::shared_ptr<const Entry>> registry;

std::shared_ptr<const Entry> find(const at::Tensor& t) {
  if (!t.defined() || !t.is_meta()) return nullptr;
  const std::lock_guard<std::mutex> lock(registry_mutex);
  const auto it = registry.find(t.unsafeGetTensorImpl());
  if (it == registry.end() || it->second->tensor.expired()) return nullptr;
  return it->second;
}

}  // namespace

at::Tensor make_quantised_weight(std::shared_ptr<MappedFile> keep, const std::uint8_t* blocks, GgmlType type,
                                 std::int64_t rows, std::int64_t cols, std::vector<std::int64_t> rows_from) {
  at::Tensor t = at::empty({rows, cols}, at::TensorOptions().dtype(at::kFloat).device(at::kMeta));  // [rows, cols]
  auto e = std::make_shared<Entry>(WeakTensor(t.getIntrusivePtr()));
  e->keep = std::move(keep);
  e->blocks = blocks;
  e->type = type;
  e->rows = rows;
  e->cols = cols;
  const GgmlTypeInfo info = ggml_type_info(static_cast<std::uint32_t>(type));
  e->row_bytes = cols / info.block_elements * info.block_bytes;
  e->rows_from = std::move(rows_from);
  const std::lock_guard<std::mutex> lock(registry_mutex);
  for (auto it = registry.begin(); it != registry.end();)  // entries of tensors that are gone
    it = it->second->tensor.expired() ? registry.erase(it) : std::next(it);
  registry[t.unsafeGetTensorImpl()] = std::move(e);
  return t;
}

bool is_quantised_weight(const at::Tensor& t) { return find(t) != nullptr; }

std::int64_t quantised_weight_bytes(const at::Tensor& t) {
  const auto e = find(t);
  return e ? e->rows * e->row_bytes : 0;
}

std::string quantised_weight_type(const at::Tensor& t) {
  const auto e = find(t);
  return e ? ggml_type_label(e->type) : std::string();
}

void dequantise_weight_into(const at::Tensor& t, float* out) {
  const auto e = find(t);
  if (!e) throw UsageError("dequantise_weight_into: not a quantised weight");
  const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t{1} << 16) / e->cols);
  parallel_for(0, e->rows, grain, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      const std::int64_t from = e->rows_from.empty() ? r : e->rows_from[static_cast<std::size_t>(r)];
      dequantize_row(e->type, e->blocks + from * e->row_bytes, out + r * e->cols, e->cols);
    }
  });
  MappedFile::release_read_pages(e->blocks, static_cast<std::size_t>(e->rows * e->row_bytes));
}

void quantised_linear(const at::Tensor& t, const float* x, std::int64_t M, std::int64_t ldx, const float* b, float* y,
                      std::int64_t ldy, int threads) {
  const auto e = find(t);
  if (!e) throw UsageError("quantised_linear: not a quantised weight");
  const Entry& w = *e;
  streamed_packed_linear(
      x, M, ldx, w.rows, w.cols,
      [&w](std::int64_t r0, std::int64_t r1, float* rows, std::int64_t ld) {
        for (std::int64_t r = r0; r < r1; ++r) {
          const std::int64_t from = w.rows_from.empty() ? r : w.rows_from[static_cast<std::size_t>(r)];
          dequantize_row(w.type, w.blocks + from * w.row_bytes, rows + (r - r0) * ld, w.cols);
        }
      },
      b, y, ldy, threads);
  // A large file's pages leave the resident set once read, as after dequantise_weight_into.
  MappedFile::release_read_pages(w.blocks, static_cast<std::size_t>(w.rows * w.row_bytes));
}

at::Tensor dequantised_weight(const at::Tensor& t) {
  if (!is_quantised_weight(t)) return t;
  at::Tensor out = at::empty(t.sizes(), at::TensorOptions().dtype(at::kFloat));  // [rows, cols]
  dequantise_weight_into(t, out.data_ptr<float>());
  return out;
}

ModelWeights with_dequantised_weights(const ModelWeights& w) {
  ModelWeights out = w;  // shares the tensors
  for (const ModelSlot& s : model_slots()) out.*(s.member) = dequantised_weight(w.*(s.member));
  for (LayerWeights& lw : out.layers)
    for (const LayerSlot& s : layer_slots()) lw.*(s.member) = dequantised_weight(lw.*(s.member));
  if (w.lm_head.is_same(w.tok_embeddings)) out.lm_head = out.tok_embeddings;
  return out;
}

}  // namespace depthscope
