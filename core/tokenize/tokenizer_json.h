#pragma once
// Hugging Face tokenizer.json with a BPE model: byte-level BPE (GPT-2, Llama 3, Qwen2) and
// SentencePiece-style BPE with byte fallback (Llama 2, Mistral, TinyLlama).
// Torch-free and sentencepiece-free: tests/fuzz/fuzz_tokenizer_json.cpp fuzzes this parser.
#include <memory>
#include <string>
#include <string_view>

#include "core/tokenize/tokenizer.h"

namespace depthscope {

// Parses the contents of a tokenizer.json; `file` names it in errors. Throws FileError
// naming the file and the field (e.g. "model.merges[7]") for anything it cannot use.
std::unique_ptr<Tokenizer> parse_tokenizer_json(std::string_view bytes, const std::string& file);

// Reads and parses `path`.
std::unique_ptr<Tokenizer> load_tokenizer_json(const std::string& path);

}  // namespace depthscope
