// Every hostile safetensors header gets its own test and a FileError naming file and field.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/io/safetensors_header.h"
#include "tests/core/io/io_test_util.h"

namespace depthscope {
namespace {

using test::safetensors_bytes;

// Parses `bytes` expecting a FileError; returns it.
FileError parse_error(const std::vector<std::uint8_t>& bytes) {
  try {
    parse_safetensors_header(bytes.data(), bytes.size(), "bad.safetensors");
  } catch (const FileError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a FileError";
  return FileError("", "", "");
}

TEST(SafetensorsHeader, ParsesTensorsMetadataAndSortsByOffset) {
  const std::string json =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[3],"data_offsets":[8,14]},)"
      R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"s":{"dtype":"F16","shape":[],"data_offsets":[14,16]}})";
  const auto bytes = safetensors_bytes(json, 16);
  const SafetensorsHeader h = parse_safetensors_header(bytes.data(), bytes.size(), "ok.safetensors");
  EXPECT_EQ(h.json_size, json.size());
  EXPECT_EQ(h.data_start, 8 + json.size());
  EXPECT_EQ(h.data_size, 16u);
  ASSERT_EQ(h.tensors.size(), 3u);
  EXPECT_EQ(h.tensors[0].name, "a");
  EXPECT_EQ(h.tensors[1].name, "b");
  EXPECT_EQ(h.tensors[1].dtype, SafetensorsDtype::bf16);
  EXPECT_EQ(h.tensors[1].shape, std::vector<std::int64_t>{3});
  EXPECT_EQ(h.tensors[2].numel(), 1);  // scalar
  EXPECT_EQ(h.metadata.at("format"), "pt");
  ASSERT_NE(h.find("b"), nullptr);
  EXPECT_EQ(h.find("b")->begin, 8u);
  EXPECT_EQ(h.find("zzz"), nullptr);
}

TEST(SafetensorsHeader, GapsBetweenTensorsAreAllowed) {
  const auto bytes = safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 12);
  EXPECT_EQ(parse_safetensors_header(bytes.data(), bytes.size(), "f").tensors.size(), 1u);
}

TEST(SafetensorsHeader, TruncatedFileShorterThanLengthPrefix) {
  const FileError e = parse_error({0x10, 0x00, 0x00});
  EXPECT_EQ(e.file(), "bad.safetensors");
  EXPECT_EQ(e.field(), "header length");
  EXPECT_NE(e.problem().find("3 bytes"), std::string::npos);
}

TEST(SafetensorsHeader, HeaderLengthPastTheEnd) {
  auto bytes = safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4);
  bytes[0] = 0xff;
  bytes[1] = 0xff;
  const FileError e = parse_error(bytes);
  EXPECT_EQ(e.field(), "header length");
  EXPECT_NE(e.problem().find("runs past the end"), std::string::npos);
}

TEST(SafetensorsHeader, HugeHeaderLengthDoesNotOverflow) {
  std::vector<std::uint8_t> bytes(16, 0xff);  // length 2^64 - 1
  EXPECT_EQ(parse_error(bytes).field(), "header length");
}

TEST(SafetensorsHeader, MalformedJson) {
  const FileError e = parse_error(safetensors_bytes(R"({"a":{"dtype":"F32",)", 4));
  EXPECT_EQ(e.field(), "header");
  EXPECT_NE(e.problem().find("malformed JSON"), std::string::npos);
}

TEST(SafetensorsHeader, NotAnObject) {
  EXPECT_EQ(parse_error(safetensors_bytes("[1,2]", 0)).field(), "header");
}

TEST(SafetensorsHeader, DataOffsetsOutOfRange) {
  const FileError e =
      parse_error(safetensors_bytes(R"({"model.norm.weight":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", 16));
  EXPECT_EQ(e.field(), "tensor 'model.norm.weight'.data_offsets");
  EXPECT_NE(e.problem().find("runs past the data section of 16 bytes"), std::string::npos);
}

TEST(SafetensorsHeader, DataOffsetsReversed) {
  const FileError e = parse_error(safetensors_bytes(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 16));
  EXPECT_EQ(e.field(), "tensor 'w'.data_offsets");
}

TEST(SafetensorsHeader, DataOffsetsNotAPair) {
  const FileError e = parse_error(safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4));
  EXPECT_EQ(e.field(), "tensor 'w'.data_offsets");
}

TEST(SafetensorsHeader, NegativeOffset) {
  const FileError e = parse_error(safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 4));
  EXPECT_EQ(e.field(), "tensor 'w'.data_offsets");
}

TEST(SafetensorsHeader, OverlappingOffsets) {
  const FileError e = parse_error(safetensors_bytes(
      R"({"wq":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"wk":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
      24));
  EXPECT_EQ(e.field(), "tensor 'wk'.data_offsets");
  EXPECT_NE(e.problem().find("overlaps tensor 'wq'"), std::string::npos);
}

TEST(SafetensorsHeader, OverlapHiddenBehindAnEmptyTensorIsFound) {
  const FileError e = parse_error(safetensors_bytes(
      R"({"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]},"z":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
      32));
  EXPECT_EQ(e.field(), "tensor 'b'.data_offsets");
  EXPECT_NE(e.problem().find("overlaps tensor 'a'"), std::string::npos);
}

TEST(SafetensorsHeader, UnsupportedDtypeNamesTensorAndDtype) {
  const FileError e = parse_error(safetensors_bytes(R"({"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8));
  EXPECT_EQ(e.field(), "tensor 'ids'.dtype");
  EXPECT_NE(e.problem().find("I64"), std::string::npos);
  EXPECT_NE(e.problem().find("F32, F16 and BF16"), std::string::npos);
}

TEST(SafetensorsHeader, UnknownDtype) {
  const FileError e = parse_error(safetensors_bytes(R"({"w":{"dtype":"Q4_K","shape":[1],"data_offsets":[0,4]}})", 4));
  EXPECT_EQ(e.field(), "tensor 'w'.dtype");
  EXPECT_NE(e.problem().find("unknown dtype 'Q4_K'"), std::string::npos);
}

TEST(SafetensorsHeader, ShapeDisagreesWithByteCount) {
  const FileError e = parse_error(safetensors_bytes(R"({"w":{"dtype":"F16","shape":[2,3],"data_offsets":[0,24]}})", 24));
  EXPECT_EQ(e.field(), "tensor 'w'.data_offsets");
  EXPECT_NE(e.problem().find("holds 24 bytes"), std::string::npos);
  EXPECT_NE(e.problem().find("needs 12"), std::string::npos);
}

TEST(SafetensorsHeader, NegativeDimension) {
  const FileError e = parse_error(safetensors_bytes(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4));
  EXPECT_EQ(e.field(), "tensor 'w'.shape");
}

TEST(SafetensorsHeader, ShapeOverflow) {
  const FileError e = parse_error(safetensors_bytes(
      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4));
  EXPECT_EQ(e.field(), "tensor 'w'.shape");
  EXPECT_NE(e.problem().find("overflows"), std::string::npos);
}

TEST(SafetensorsHeader, MissingKey) {
  const FileError e = parse_error(safetensors_bytes(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4));
  EXPECT_EQ(e.field(), "tensor 'w'.shape");
  EXPECT_EQ(e.problem(), "missing");
}

TEST(SafetensorsHeader, DuplicateTensorName) {
  const FileError e = parse_error(safetensors_bytes(
      R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8));
  EXPECT_EQ(e.field(), "tensor 'w'");
  EXPECT_EQ(e.problem(), "listed twice");
}

TEST(SafetensorsHeader, MetadataMustHoldStrings) {
  const FileError e = parse_error(safetensors_bytes(R"({"__metadata__":{"step":3}})", 0));
  EXPECT_EQ(e.field(), "__metadata__.step");
}

}  // namespace
}  // namespace depthscope
