#pragma once
// Trains a SentencePiece model (BPE or unigram) on own text with libsentencepiece's trainer,
// through the plugin (sentencepiece_plugin_loader.h). The result is a normal .model file that
// load_tokenizer() reads. Torch-free.
//
// Settings chosen so that decode(encode(text)) == text for any UTF-8 text, newlines included:
// byte_fallback (unknown characters become <0xNN> byte pieces), normalization "identity",
// whitespace kept as is (remove_extra_whitespaces=false, add_dummy_prefix=false). Ids:
// <unk> 0, <s> 1, </s> 2, then 256 byte pieces, then the learned pieces.
#include <cstdint>
#include <string>

namespace depthscope {

struct SentencePieceTrainOptions {
  std::string model_type = "bpe";  // "bpe" or "unigram"
  std::int64_t vocab_size = 4096;  // at least kMinSentencePieceVocab
  std::string model_prefix;        // writes <model_prefix>.model and <model_prefix>.vocab
  std::uint32_t seed = 0;          // the trainer's sampling seed (sentence sampling, unigram seeds)
  int threads = 1;
  std::int64_t max_sentences = 2000000;  // above this many lines, a seeded sample is used
};

// 3 special pieces + 256 byte pieces + a few learned ones.
constexpr std::int64_t kMinSentencePieceVocab = 260;

// Trains on `sentences`: one training sentence per line ('\n'), empty lines skipped; newlines
// themselves are never learned (they encode as the byte piece <0x0A>).
// Throws UsageError with the trainer's reason (vocabulary too small or too large for the text,
// ...), FileError when the plugin cannot be loaded.
void train_sentencepiece(const SentencePieceTrainOptions& options, const std::string& sentences);

}  // namespace depthscope
