#pragma once
// A whole file mapped into memory, read-only on disk. RAII: unmapped on destruction.
// Held through shared_ptr so tensors created over the mapping (zero-copy F32 loads) keep it
// alive for as long as they live.
//
// The mapping is read-only (PROT_READ): pages are shared with the page cache and cost no
// commit charge, so large checkpoints map even under strict overcommit. Tensors that alias
// it must never be written in place: whoever modifies weights (training, fine-tuning) clones
// them first (clone_weights in core/model/weights.h).
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
  // For zero-copy tensors (at::from_blob wants a void*); the pages are read-only.
  std::uint8_t* mutable_data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Checkpoints larger than a share of memory (F16/BF16 widened one layer at a time): once a
  // range has been read, its pages leave this process's resident set (madvise
  // MADV_DONTNEED). They stay in the page cache while memory allows and fault back in (from
  // the cache, or the file) on the next read; the mapping is read-only, so nothing is lost.
  void set_release_after_read(bool on);
  bool release_after_read() const;
  // Releases the whole pages inside [p, p + n) when they lie in a live mapping marked
  // release-after-read; does nothing for any other memory (safe on any pointer).
  static void release_read_pages(const void* p, std::size_t n);
  // Whether `p` lies in a live mapping marked release-after-read.
  static bool releases_after_read(const void* p);

 private:
  MappedFile(std::string path, std::uint8_t* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace depthscope
