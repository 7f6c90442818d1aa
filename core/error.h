#pragma once
// Typed errors that name the file, the field and the problem, so every message a user
// sees is a sentence they can act on ("model.safetensors: tensor 'wq': data offsets
// [0, 64) overlap tensor 'wk'").
#include <stdexcept>
#include <string>

namespace depthscope {

// A problem with the contents of a file (checkpoint, config, tokenizer, corpus).
class FileError : public std::runtime_error {
 public:
  FileError(std::string file, std::string field, const std::string& problem)
      : std::runtime_error(compose(file, field, problem)),
        file_(std::move(file)),
        field_(std::move(field)),
        problem_(problem) {}

  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  const std::string& problem() const { return problem_; }

 private:
  static std::string compose(const std::string& file, const std::string& field,
                             const std::string& problem) {
    std::string m = file.empty() ? std::string("<memory>") : file;
    if (!field.empty()) m += ": " + field;
    return m + ": " + problem;
  }
  std::string file_, field_, problem_;
};

// A request that cannot be carried out with the given arguments (wrong shape, unknown
// scheme, a model too large for the requested analysis).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by long computations when their cancel token is set.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace depthscope
