#pragma once
// Writes a file so that readers only ever see the old file or the complete new one:
// bytes go to `<path>.tmp`, which is flushed and renamed over `path` by commit(). Every
// write is checked; a failure (disk full, quota, I/O error) throws FileError naming the
// file and removes the temporary. Destroying an uncommitted writer removes the temporary.
#include <cstddef>
#include <cstdio>
#include <string>

namespace depthscope {

class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t bytes);
  void write(const std::string& s) { write(s.data(), s.size()); }
  std::size_t written() const { return written_; }
  // Flush, fsync, close and rename onto the final path.
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what, int err);
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  std::size_t written_ = 0;
};

}  // namespace depthscope
