// Dequantisation of hand-built ggml blocks: each expected value is worked out here from the
// block layout as ggml's block_* structs describe it (ggml-common.h), with ggml's float
// arithmetic, and must match bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "core/error.h"
#include "core/io/gguf_dequant.h"
#include "core/io/gguf_file.h"
#include "tests/core/io/gguf_bytes.h"
#include "tests/test_support.h"

namespace depthscope {
namespace {

constexpr std::uint16_t kThird = 0x3555;  // 0.333251953125 in binary16
constexpr std::uint16_t kTenth = 0x2E66;  // 0.0999755859375

std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 0xFF);
  return v;
}

void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v & 0xFF);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

std::vector<float> dequant(GgmlType t, const std::vector<std::uint8_t>& block, std::int64_t n) {
  std::vector<float> y(static_cast<std::size_t>(n));
  dequantize_row(t, block.data(), y.data(), n);
  return y;
}

void expect_bits(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(std::memcmp(&got[i], &want[i], 4), 0) << "element " << i << ": " << got[i] << " vs " << want[i];
}

TEST(GgufDequant, HalfAndBfloat16AreExact) {
  EXPECT_EQ(fp16_to_fp32(0x3C00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xC000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(kThird), static_cast<float>((1.0 + 341.0 / 1024.0) / 4.0));
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(fp16_to_fp32(0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_EQ(fp16_to_fp32(0x7BFF), 65504.0f);
  EXPECT_TRUE(std::isinf(fp16_to_fp32(0x7C00)));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7E00)));
  EXPECT_TRUE(std::signbit(fp16_to_fp32(0x8000)));
  EXPECT_EQ(bf16_to_fp32(0x3F80), 1.0f);
  EXPECT_EQ(bf16_to_fp32(0xC040), -3.0f);
  // Every binary16 value: the same as the hardware conversion of the float it denotes.
  for (std::uint32_t h = 0; h < 0x7C00; ++h) {
    const float want = std::ldexp(h < 0x400 ? static_cast<float>(h) : static_cast<float>(0x400 | (h & 0x3FF)),
                                  h < 0x400 ? -24 : static_cast<int>(h >> 10) - 25);
    ASSERT_EQ(fp16_to_fp32(static_cast<std::uint16_t>(h)), want) << h;
  }
}

TEST(GgufDequant, Q8_0) {
  std::vector<std::uint8_t> b = random_bytes(34, 1);
  put16(b, 0, kThird);
  const float d = fp16_to_fp32(kThird);
  std::vector<float> want(32);
  for (int j = 0; j < 32; ++j) want[j] = static_cast<float>(static_cast<std::int8_t>(b[2 + j])) * d;
  expect_bits(dequant(GgmlType::q8_0, b, 32), want);
}

TEST(GgufDequant, Q4_0AndQ4_1) {
  std::vector<std::uint8_t> b = random_bytes(18, 2);
  put16(b, 0, kThird);
  const float d = fp16_to_fp32(kThird);
  std::vector<float> want(32);
  for (int j = 0; j < 16; ++j) {  // low nibbles are elements 0..15, high nibbles 16..31
    want[j] = static_cast<float>((b[2 + j] & 15) - 8) * d;
    want[j + 16] = static_cast<float>((b[2 + j] >> 4) - 8) * d;
  }
  expect_bits(dequant(GgmlType::q4_0, b, 32), want);

  std::vector<std::uint8_t> c = random_bytes(20, 3);
  put16(c, 0, kTenth);
  put16(c, 2, 0xBC00);  // m = -1
  const float d1 = fp16_to_fp32(kTenth);
  for (int j = 0; j < 16; ++j) {
    want[j] = static_cast<float>(c[4 + j] & 15) * d1 + -1.0f;
    want[j + 16] = static_cast<float>(c[4 + j] >> 4) * d1 + -1.0f;
  }
  expect_bits(dequant(GgmlType::q4_1, c, 32), want);
}

TEST(GgufDequant, Q5_0AndQ5_1) {
  // qh (4 bytes, little-endian) holds the fifth bit of element j at bit j.
  std::vector<std::uint8_t> b = random_bytes(22, 4);
  put16(b, 0, kThird);
  const float d = fp16_to_fp32(kThird);
  const std::uint32_t qh = b[2] | (b[3] << 8) | (b[4] << 16) | (static_cast<std::uint32_t>(b[5]) << 24);
  std::vector<float> want(32);
  for (int j = 0; j < 16; ++j) {
    const int lo = (b[6 + j] & 15) | (((qh >> j) & 1) << 4);
    const int hi = (b[6 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    want[j] = static_cast<float>(lo - 16) * d;
    want[j + 16] = static_cast<float>(hi - 16) * d;
  }
  expect_bits(dequant(GgmlType::q5_0, b, 32), want);

  std::vector<std::uint8_t> c = random_bytes(24, 5);
  put16(c, 0, kTenth);
  put16(c, 2, 0x3800);  // m = 0.5
  const float d1 = fp16_to_fp32(kTenth);
  const std::uint32_t qh1 = c[4] | (c[5] << 8) | (c[6] << 16) | (static_cast<std::uint32_t>(c[7]) << 24);
  for (int j = 0; j < 16; ++j) {
    const int lo = (c[8 + j] & 15) | (((qh1 >> j) & 1) << 4);
    const int hi = (c[8 + j] >> 4) | (((qh1 >> (j + 16)) & 1) << 4);
    want[j] = static_cast<float>(lo) * d1 + 0.5f;
    want[j + 16] = static_cast<float>(hi) * d1 + 0.5f;
  }
  expect_bits(dequant(GgmlType::q5_1, c, 32), want);
}

// The 12 scale bytes of a Q4_K/Q5_K block for 6-bit scales sc[8] and mins m[8]: bytes 0..3
// and 4..7 hold sc[0..3] and m[0..3] in their low 6 bits and the top 2 bits of sc[4..7] and
// m[4..7]; bytes 8..11 hold the low 4 bits of sc[4..7] (low nibble) and m[4..7] (high nibble).
std::vector<std::uint8_t> pack_k_scales(const int sc[8], const int m[8]) {
  std::vector<std::uint8_t> s(12);
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<std::uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<std::uint8_t>(m[j] | ((m[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
  return s;
}

TEST(GgufDequant, Q4_K) {
  const int sc[8] = {1, 63, 17, 40, 33, 5, 62, 48}, m[8] = {0, 9, 63, 21, 50, 34, 2, 61};
  std::vector<std::uint8_t> b = random_bytes(144, 6);
  put16(b, 0, kTenth);
  put16(b, 2, kThird);
  const std::vector<std::uint8_t> s = pack_k_scales(sc, m);
  std::copy(s.begin(), s.end(), b.begin() + 4);
  const float d = fp16_to_fp32(kTenth), dmin = fp16_to_fp32(kThird);
  // 4 chunks of 32 bytes: low nibbles are sub-block 2c, high nibbles sub-block 2c + 1.
  std::vector<float> want(256);
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) {
      const std::uint8_t q = b[16 + 32 * c + l];
      want[64 * c + l] = (d * sc[2 * c]) * static_cast<float>(q & 15) - dmin * m[2 * c];
      want[64 * c + 32 + l] = (d * sc[2 * c + 1]) * static_cast<float>(q >> 4) - dmin * m[2 * c + 1];
    }
  expect_bits(dequant(GgmlType::q4_k, b, 256), want);
}

TEST(GgufDequant, Q5_K) {
  const int sc[8] = {7, 63, 0, 41, 12, 59, 30, 1}, m[8] = {63, 3, 18, 44, 0, 27, 62, 8};
  std::vector<std::uint8_t> b = random_bytes(176, 7);
  put16(b, 0, kThird);
  put16(b, 2, kTenth);
  const std::vector<std::uint8_t> s = pack_k_scales(sc, m);
  std::copy(s.begin(), s.end(), b.begin() + 4);
  const float d = fp16_to_fp32(kThird), dmin = fp16_to_fp32(kTenth);
  // qh[32] at 16, qs[128] at 48: bit 2c of qh[l] is the fifth bit of the low nibble of
  // chunk c, bit 2c + 1 that of its high nibble.
  std::vector<float> want(256);
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) {
      const std::uint8_t q = b[48 + 32 * c + l], h = b[16 + l];
      const int lo = (q & 15) + (((h >> (2 * c)) & 1) << 4);
      const int hi = (q >> 4) + (((h >> (2 * c + 1)) & 1) << 4);
      want[64 * c + l] = (d * sc[2 * c]) * static_cast<float>(lo) - dmin * m[2 * c];
      want[64 * c + 32 + l] = (d * sc[2 * c + 1]) * static_cast<float>(hi) - dmin * m[2 * c + 1];
    }
  expect_bits(dequant(GgmlType::q5_k, b, 256), want);
}

TEST(GgufDequant, Q6_K) {
  std::vector<std::uint8_t> b = random_bytes(210, 8);
  put16(b, 208, kTenth);
  const float d = fp16_to_fp32(kTenth);
  // Element e of half n (128 elements), position p = e % 128 = 32k + l: the low 4 bits are
  // a nibble of ql[64n + l + 32 (k odd)] (high nibble for k >= 2), the top 2 bits are bits
  // 2k..2k+1 of qh[32n + l]; the scale is the int8 scales[e / 16].
  std::vector<float> want(256);
  for (int e = 0; e < 256; ++e) {
    const int n = e / 128, p = e % 128, k = p / 32, l = p % 32;
    const std::uint8_t lq = b[64 * n + l + (k % 2 ? 32 : 0)];
    const int low = k >= 2 ? lq >> 4 : lq & 15;
    const int high = (b[128 + 32 * n + l] >> (2 * k)) & 3;
    const auto scale = static_cast<std::int8_t>(b[192 + e / 16]);
    want[e] = d * static_cast<float>(scale) * static_cast<float>((low | (high << 4)) - 32);
  }
  expect_bits(dequant(GgmlType::q6_k, b, 256), want);
}

TEST(GgufDequant, UnsupportedTypesAreRefusedNamingTensorAndType) {
  const auto dir = test::scratch_dir("gguf_unsupported");
  test::GgufBuilder g;
  g.tensor("blk.0.attn_q.weight", {256}, static_cast<std::uint32_t>(GgmlType::q2_k), std::string(84, '\0'));
  const std::string path = g.write((dir / "q2k.gguf").string());
  const GgufFile f = open_gguf(path);
  try {
    read_gguf_tensor(f, f.header.tensors.at(0));
    ADD_FAILURE() << "Q2_K was dequantised";
  } catch (const FileError& e) {
    EXPECT_EQ(e.field(), "tensor 'blk.0.attn_q.weight'");
    EXPECT_NE(std::string(e.what()).find("Q2_K"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace depthscope
