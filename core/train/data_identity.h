#pragma once
// What a run trains on, as one SHA-256: the bytes of the corpus folder's corpus.json and
// tokens.bin, or of the JSONL files and their tokenizer file. A checkpoint records it
// (trainer_state.json "data_sha256"), and a resume refuses when the data on disk has changed
// since (docs/training.md, "Resume"). Torch-free.
#include <string>

namespace depthscope {

struct TrainSpec;

// Throws FileError naming a file that cannot be read.
std::string data_identity_sha256(const TrainSpec& spec);

}  // namespace depthscope
