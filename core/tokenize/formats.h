#pragma once
// One loader per tokenizer file format; load_tokenizer.cpp picks among them.
// (tokenizer.json: tokenizer_json.h.)
#include <memory>
#include <string>

#include "core/tokenize/tokenizer.h"

namespace depthscope {

// GPT-2's encoder.json (token -> id) + vocab.bpe (merges, one "left right" per line after a
// "#version" line); also Hugging Face's vocab.json + merges.txt, which are the same files.
std::unique_ptr<Tokenizer> load_gpt2_bpe(const std::string& encoder_json_path,
                                         const std::string& vocab_bpe_path);

// A SentencePiece .model file (through libsentencepiece).
std::unique_ptr<Tokenizer> load_sentencepiece_model(const std::string& path);

// llama2.c's tokenizer.bin.
std::unique_ptr<Tokenizer> load_llama2c_tokenizer(const std::string& path);

// The tokenizer in a GGUF file's metadata (tokenizer.ggml.*; core/tokenize/gguf_tokenizer.cpp).
std::unique_ptr<Tokenizer> load_gguf_tokenizer(const std::string& path);
// The same, or nullptr when the file has no tokenizer.ggml.model (a GGUF without a vocabulary).
std::unique_ptr<Tokenizer> gguf_tokenizer_if_present(const std::string& path);

}  // namespace depthscope
