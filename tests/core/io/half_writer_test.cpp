// Writing F16 / BF16 (save_safetensors, save_hf with a SafetensorsDtype): the header names the
// dtype, the file is half the size, values read back are the F32 values rounded to the
// narrow type, and F32 stays the default.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>

#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/model/transformer.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

namespace fs = std::filesystem;

TEST(HalfWriter, SafetensorsF16AndBF16StoreRoundedValues) {
  const fs::path dir = test::scratch_dir("st_half_writer");
  at::manual_seed(3);
  const at::Tensor a = at::randn({17, 5});
  const at::Tensor b = at::tensor({1.0f, -2.5f, 0.1f, 65504.0f});
  const NamedTensors in = {{"a", a}, {"b", b}};
  const std::string f32 = (dir / "f32.safetensors").string();
  save_safetensors(f32, in, {{"format", "pt"}});  // default: F32
  for (SafetensorsDtype d : {SafetensorsDtype::f16, SafetensorsDtype::bf16}) {
    const at::ScalarType type = d == SafetensorsDtype::f16 ? at::kHalf : at::kBFloat16;
    const std::string path = (dir / (std::string(to_string(d)) + ".safetensors")).string();
    save_safetensors(path, in, {{"format", "pt"}}, d);
    const SafetensorsFile f = open_safetensors(path);
    ASSERT_EQ(f.header.tensors.size(), 2u);
    for (const auto& e : f.header.tensors) EXPECT_EQ(e.dtype, d) << e.name;
    EXPECT_EQ(f.header.metadata.at("format"), "pt");
    // Data: 2 bytes per element instead of 4.
    EXPECT_EQ(fs::file_size(path) - f.header.data_start, (17u * 5u + 4u) * 2u);
    const NamedTensors out = load_safetensors(path);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].second.scalar_type(), at::kFloat);
    EXPECT_TRUE(at::equal(out[0].second, a.to(type).to(at::kFloat))) << to_string(d);
    EXPECT_TRUE(at::equal(out[1].second, b.to(type).to(at::kFloat))) << to_string(d);
  }
  const SafetensorsFile f = open_safetensors(f32);
  for (const auto& e : f.header.tensors) EXPECT_EQ(e.dtype, SafetensorsDtype::f32);
}

TEST(HalfWriter, DtypeNames) {
  EXPECT_EQ(safetensors_dtype_from_string("f16"), SafetensorsDtype::f16);
  EXPECT_EQ(safetensors_dtype_from_string("BF16"), SafetensorsDtype::bf16);
  EXPECT_EQ(safetensors_dtype_from_string("f32"), SafetensorsDtype::f32);
  EXPECT_THROW(safetensors_dtype_from_string("int8"), UsageError);
  EXPECT_STREQ(to_string(SafetensorsDtype::bf16), "BF16");
}

TEST(HalfWriter, HfFolderInF16LoadsAndGivesNearlyTheSameLogits) {
  ModelConfig c;
  c.vocab_size = 48;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_layers = 3;
  c.num_heads = 4;
  c.num_kv_heads = 4;
  c.max_position = 32;
  c.norm_scheme = NormScheme::lns;
  const Transformer model = Transformer::random(c, 5);
  const fs::path f32_dir = test::scratch_dir("hf_f32_writer");
  const fs::path f16_dir = test::scratch_dir("hf_f16_writer");
  save_hf(f32_dir.string(), c, model.weights());
  save_hf(f16_dir.string(), c, model.weights(), SafetensorsDtype::f16);
  const LoadedCheckpoint a = load_checkpoint(f32_dir.string());
  const LoadedCheckpoint b = load_checkpoint(f16_dir.string());
  EXPECT_EQ(a.source_dtype, "F32");
  EXPECT_EQ(b.source_dtype, "F16");
  EXPECT_EQ(b.config.norm_scheme, NormScheme::lns);
  const auto size32 = fs::file_size(f32_dir / "model.safetensors");
  const auto size16 = fs::file_size(f16_dir / "model.safetensors");
  EXPECT_LT(size16, size32 * 6 / 10);
  const at::Tensor tokens = at::arange(0, 16, at::kLong).mul(5).remainder(c.vocab_size).unsqueeze(0);
  const at::Tensor la = Transformer(a.config, a.weights).forward(tokens);
  const at::Tensor lb = Transformer(b.config, b.weights).forward(tokens);
  EXPECT_TRUE(at::allclose(la, lb, 1e-2, 1e-2));
  EXPECT_FALSE(at::equal(la, lb));  // really stored narrower
}

}  // namespace
}  // namespace depthscope
