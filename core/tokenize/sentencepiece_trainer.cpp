// train_sentencepiece: builds the option lines for the plugin's ds_spm_train.
#include "core/tokenize/sentencepiece_trainer.h"

#include "core/error.h"
#include "core/tokenize/sentencepiece_plugin_loader.h"

namespace depthscope {

void train_sentencepiece(const SentencePieceTrainOptions& o, const std::string& sentences) {
  if (o.model_type != "bpe" && o.model_type != "unigram")
    throw UsageError("unknown SentencePiece model type '" + o.model_type + "' (expected bpe or unigram)");
  if (o.vocab_size < kMinSentencePieceVocab)
    throw UsageError("a " + o.model_type + " vocabulary of " + std::to_string(o.vocab_size) +
                     " is too small: it must hold <unk>, <s>, </s> and the 256 byte pieces; use at least " +
                     std::to_string(kMinSentencePieceVocab) + " (e.g. " + o.model_type + ":4096)");
  if (o.model_prefix.empty()) throw UsageError("train_sentencepiece: no model_prefix given");
  const SpmPlugin& p = spm_plugin();
  if (!p.ok())
    throw FileError(o.model_prefix + ".model", "",
                    "cannot train a SentencePiece model: the sentencepiece plugin did not load (" + p.error + ")");
  // One "key=value" per line: SentencePiece's TrainerSpec / NormalizerSpec field names.
  std::string args;
  auto set = [&args](const std::string& key, const std::string& value) { args += key + "=" + value + "\n"; };
  set("model_prefix", o.model_prefix);
  set("model_type", o.model_type);
  set("vocab_size", std::to_string(o.vocab_size));
  set("byte_fallback", "true");
  set("character_coverage", "0.9995");
  set("normalization_rule_name", "identity");
  set("remove_extra_whitespaces", "false");
  set("add_dummy_prefix", "false");
  set("split_digits", "true");
  set("max_sentence_length", "16384");
  set("input_sentence_size", std::to_string(o.max_sentences));
  set("shuffle_input_sentence", "true");
  set("num_threads", std::to_string(o.threads > 0 ? o.threads : 1));
  char err[1024] = {0};
  if (p.train(args.c_str(), sentences.data(), sentences.size(), o.seed, err, sizeof err) != 0) {
    // "Internal: ./src/trainer_interface.cc(660) [condition] Vocabulary size too high ..." -> the sentence.
    std::string why = err;
    const std::size_t bracket = why.rfind("] ");
    if (why.rfind("Internal: ", 0) == 0 && bracket != std::string::npos) why = why.substr(bracket + 2);
    const std::string option_hint = ". Increase vocab_size or decrease character_coverage with --character_coverage option.";
    if (const std::size_t at = why.find(option_hint); at != std::string::npos)
      why.replace(at, option_hint.size(), " (the pieces needed: the characters making up 99.95% of the text, "
                                          "<unk>, <s>, </s> and 256 bytes): choose a larger vocabulary.");
    throw UsageError("SentencePiece could not train a " + o.model_type + ":" + std::to_string(o.vocab_size) +
                     " tokenizer on this text: " + why);
  }
}

}  // namespace depthscope
