#pragma once
// A whole file mapped into memory, read-only on disk. RAII: unmapped on destruction.
// Held through shared_ptr so tensors created over the mapping (zero-copy F32 loads) keep it
// alive for as long as they live.
//
// The mapping is private copy-on-write: pages are shared with the page cache until someone
// writes to a tensor that aliases them (fine-tuning a loaded model), at which point the
// kernel copies just those pages; the file itself is never modified.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace depthscope {

class MappedFile {
 public:
  // Throws FileError(path, "", ...) when the file is missing, a directory, empty or unreadable.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::uint8_t* mutable_data() const { return data_; }  // copy-on-write pages
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, std::uint8_t* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace depthscope
