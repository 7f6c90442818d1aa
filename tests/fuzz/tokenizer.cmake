# The tokenizer.json parser and the BPE pipeline behind it (torch- and sentencepiece-free).
ds_fuzz_target(fuzz_tokenizer_json fuzz_tokenizer_json.cpp
  core/tokenize/tokenizer_json.cpp core/tokenize/hf_tokenizer.cpp core/tokenize/bpe_model.cpp
  core/tokenize/byte_level.cpp core/tokenize/normalizer.cpp core/tokenize/pre_tokenizer.cpp
  core/tokenize/decoder.cpp core/tokenize/regex.cpp core/tokenize/read_file.cpp)
