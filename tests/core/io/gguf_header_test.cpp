// The GGUF header parser on hand-built bytes: every value type, and hostile input refused
// with FileError naming the file and the field.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/io/gguf_header.h"
#include "tests/core/io/gguf_bytes.h"

namespace depthscope {
namespace {

using test::GgufBuilder;
using test::GgufBytes;

const char* kPath = "hostile.gguf";

GgufHeader parse(const GgufBytes& b) { return parse_gguf_header(b.data(), b.size(), kPath); }
GgufHeader parse(const std::string& s) {
  return parse_gguf_header(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), kPath);
}

// The FileError `f` throws: its field must contain `field`, its message `words`.
template <class F>
void expect_refused(F f, const std::string& field, const std::string& words) {
  try {
    f();
    ADD_FAILURE() << "accepted; expected a FileError on " << field;
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), kPath);
    EXPECT_NE(e.field().find(field), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

GgufBytes header(std::uint32_t version, std::uint64_t tensors, std::uint64_t kvs) {
  GgufBytes b;
  b.raw("GGUF").u32(version).u64(tensors).u64(kvs);
  return b;
}

TEST(GgufHeader, ReadsEveryValueTypeNestedArraysAndTheTensorTable) {
  GgufBytes nested;  // array of 2 arrays: [uint8 1 2] and [string "a"]
  nested.u32(9).u64(2);
  nested.u32(0).u64(2).u8(1).u8(2);
  nested.u32(8).u64(1).str("a");
  GgufBuilder g;
  g.kv("u8", 0, GgufBytes().u8(200))
      .kv("i8", 1, GgufBytes().u8(0xFF))
      .kv("u16", 2, GgufBytes().u16(65535))
      .kv("i16", 3, GgufBytes().u16(0x8000))
      .kv_u32("u32", 4000000000u)
      .kv("i32", 5, GgufBytes().u32(0xFFFFFFFEu))
      .kv_f32("f32", 0.25f)
      .kv("bool", 7, GgufBytes().u8(1))
      .kv_string("str", "hello")
      .kv("u64", 10, GgufBytes().u64(1ull << 40))
      .kv("i64", 11, GgufBytes().u64(static_cast<std::uint64_t>(-5)))
      .kv("f64", 12, GgufBytes().le(0x3FF8000000000000ull, 8))  // 1.5
      .kv("ints", 9, GgufBytes().u32(5).u64(3).u32(7).u32(0xFFFFFFFFu).u32(9))
      .kv("nested", 9, nested)
      .kv_u32("general.alignment", 64)
      .tensor("w", {32, 3}, 0, std::string(32 * 3 * 4, '\0'))
      .tensor("b", {32}, 8, std::string(34, '\0'));
  const GgufHeader h = parse(g.bytes(64));
  EXPECT_EQ(h.version, 3u);
  EXPECT_EQ(h.get_int("u8"), 200);
  EXPECT_EQ(h.get_int("i8"), -1);
  EXPECT_EQ(h.get_int("u16"), 65535);
  EXPECT_EQ(h.get_int("i16"), -32768);
  EXPECT_EQ(h.get_int("u32"), 4000000000ll);
  EXPECT_EQ(h.get_int("i32"), -2);
  EXPECT_EQ(h.get_number("f32", 0), 0.25);
  EXPECT_TRUE(h.get_bool("bool", false));
  EXPECT_EQ(h.get_string("str"), "hello");
  EXPECT_EQ(h.get_int("u64"), 1ll << 40);
  EXPECT_EQ(h.get_int("i64"), -5);
  EXPECT_EQ(h.get_number("f64", 0), 1.5);
  const GgufValue& ints = h.get_array("ints", GgufValueType::i32);
  ASSERT_EQ(ints.count, 3u);
  EXPECT_EQ(ints.integer_at(1), -1);
  EXPECT_EQ(ints.integer_at(2), 9);
  const GgufValue& n = h.get_array("nested", GgufValueType::array);
  ASSERT_EQ(n.arrays.size(), 2u);
  EXPECT_EQ(n.arrays[0].integer_at(1), 2);
  EXPECT_EQ(n.arrays[1].strings.at(0), "a");
  EXPECT_EQ(h.alignment, 64u);
  EXPECT_EQ(h.data_start % 64, 0u);
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[0].shape(), (std::vector<std::int64_t>{3, 32}));
  EXPECT_EQ(h.tensors[0].bytes, 384u);
  EXPECT_EQ(h.tensors[1].type, GgmlType::q8_0);
  EXPECT_EQ(h.tensors[1].offset, 384u);
  EXPECT_EQ(h.tensors[1].bytes, 34u);
  // Typed look-ups name the key when the type is wrong or the key is missing.
  expect_refused([&] { h.get_int("str"); }, "str", "expected an integer");
  expect_refused([&] { h.get_string("missing"); }, "missing", "missing");
}

TEST(GgufHeader, ReadsVersion2) {
  GgufBytes b = header(2, 0, 1);
  b.str("general.architecture").u32(8).str("llama");
  EXPECT_EQ(parse(b).get_string("general.architecture"), "llama");
}

TEST(GgufHeader, RefusesBadMagic) {
  GgufBytes b;
  b.raw("GGML").u32(3).u64(0).u64(0);
  expect_refused([&] { parse(b); }, "magic", "not a GGUF file");
  expect_refused([&] { parse(std::string("GG")); }, "magic", "truncated");
}

TEST(GgufHeader, RefusesUnknownVersions) {
  expect_refused([&] { parse(header(1, 0, 0)); }, "version", "version 1");
  expect_refused([&] { parse(header(4, 0, 0)); }, "version", "unknown GGUF version 4");
  expect_refused([&] { parse(header(0x03000000u, 0, 0)); }, "version", "big-endian");
}

TEST(GgufHeader, RefusesCountsTheFileCannotHold) {
  expect_refused([&] { parse(header(3, 1ull << 60, 0)); }, "tensor_count", "cannot fit");
  expect_refused([&] { parse(header(3, 0, 1ull << 60)); }, "metadata_kv_count", "cannot fit");
  GgufBytes arr = header(3, 0, 1);
  arr.str("a").u32(9).u32(4).u64(1ull << 60);
  expect_refused([&] { parse(arr); }, "a", "cannot fit");
  GgufBytes strings = header(3, 0, 1);
  strings.str("s").u32(9).u32(8).u64(1ull << 60);
  expect_refused([&] { parse(strings); }, "s", "cannot fit");
}

TEST(GgufHeader, RefusesStringsPastTheEnd) {
  GgufBytes key = header(3, 0, 1);
  key.u64(1000).raw(std::string(40, 'k'));
  expect_refused([&] { parse(key); }, "metadata 0 key", "past the end");
  GgufBytes value = header(3, 0, 1);
  value.str("k").u32(8).u64(1ull << 62).raw("x");
  expect_refused([&] { parse(value); }, "k", "past the end");
  GgufBytes huge_name = header(3, 1, 0);
  huge_name.u64(~0ull).raw(std::string(40, 'x'));
  expect_refused([&] { parse(huge_name); }, "tensor 0 name", "past the end");
}

TEST(GgufHeader, RefusesUnknownTypes) {
  GgufBytes value = header(3, 0, 1);
  value.str("k").u32(13).u32(0);
  expect_refused([&] { parse(value); }, "k", "unknown metadata value type 13");
  GgufBytes element = header(3, 0, 1);
  element.str("k").u32(9).u32(77).u64(0);
  expect_refused([&] { parse(element); }, "k", "unknown metadata value type 77");
  GgufBuilder t;
  t.tensor("w", {32}, 99, std::string(128, '\0'));
  expect_refused([&] { parse(t.bytes()); }, "tensor 'w'", "unknown ggml type 99");
  GgufBuilder removed;  // Q4_2 (code 4) was removed from ggml
  removed.tensor("w", {32}, 4, std::string(128, '\0'));
  expect_refused([&] { parse(removed.bytes()); }, "tensor 'w'", "unknown ggml type 4");
}

TEST(GgufHeader, RefusesTensorsPastTheEndMisalignedOrOverlapping) {
  GgufBuilder g;
  g.tensor("w", {32, 4}, 0, std::string(32 * 4 * 4, '\0'));
  std::string truncated = g.bytes();
  truncated.resize(truncated.size() - 1);
  expect_refused([&] { parse(truncated); }, "tensor 'w'", "past the end");

  // Offsets patched by hand: the tensor table is the last thing before the data.
  GgufBytes mis = header(3, 1, 0);
  mis.str("w").u32(1).u64(32).u32(0).u64(4);
  std::string s = mis.b;
  s.resize(64 + 4 + 128, '\0');
  expect_refused([&] { parse(s); }, "tensor 'w'", "misaligned");

  GgufBytes two = header(3, 2, 0);
  two.str("a").u32(1).u64(32).u32(0).u64(0);
  two.str("b").u32(1).u64(32).u32(0).u64(64);  // a is 128 bytes: b overlaps it
  std::string o = two.b;
  o.resize(256 + 256, '\0');
  expect_refused([&] { parse(o); }, "tensor 'b'", "overlaps tensor 'a'");

  GgufBytes big = header(3, 1, 0);
  big.str("w").u32(2).u64(1ull << 30).u64(1ull << 30).u32(0).u64(0);
  expect_refused([&] { parse(big); }, "tensor 'w'", "2^48");

  GgufBytes dims = header(3, 1, 0);
  dims.str("w").u32(5).u64(1).u64(1).u64(1).u64(1).u64(1).u32(0).u64(0);
  expect_refused([&] { parse(dims); }, "tensor 'w'", "5 dimensions");

  GgufBuilder blocks;  // Q8_0 rows must be whole blocks of 32
  blocks.tensor("w", {48}, 8, std::string(68, '\0'));
  expect_refused([&] { parse(blocks.bytes()); }, "tensor 'w'", "not a multiple of q8_0's block");
}

TEST(GgufHeader, RefusesBadAlignmentDuplicatesAndDeepNesting) {
  GgufBuilder a;
  a.kv_u32("general.alignment", 24);
  expect_refused([&] { parse(a.bytes()); }, "general.alignment", "not a power of two");
  GgufBuilder dup;
  dup.kv_u32("k", 1).kv_u32("k", 2);
  expect_refused([&] { parse(dup.bytes()); }, "k", "appears twice");
  GgufBytes deep = header(3, 0, 1);
  deep.str("deep").u32(9);
  for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
  deep.u32(0).u64(0);
  expect_refused([&] { parse(deep); }, "deep", "nested deeper");
}

}  // namespace
}  // namespace depthscope
