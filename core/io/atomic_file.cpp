#include "core/io/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace depthscope {

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) throw FileError(path_, "", std::string("cannot create ") + tmp_ + ": " + std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (f_) {
    std::fclose(f_);
    std::remove(tmp_.c_str());
  }
}

void AtomicFileWriter::fail(const std::string& what, int err) {
  if (f_) {
    std::fclose(f_);
    f_ = nullptr;
  }
  std::remove(tmp_.c_str());
  std::string problem = what + " after " + std::to_string(written_) + " bytes: " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT || err == EFBIG)
    problem += " (disk full or file size limit reached; nothing was written)";
  throw FileError(path_, "", problem);
}

void AtomicFileWriter::write(const void* data, std::size_t bytes) {
  if (!f_) throw FileError(path_, "", "write after the file was closed");
  if (bytes == 0) return;
  errno = 0;
  if (std::fwrite(data, 1, bytes, f_) != bytes) fail("write failed", errno ? errno : EIO);
  written_ += bytes;
}

void AtomicFileWriter::commit() {
  if (!f_) throw FileError(path_, "", "commit after the file was closed");
  errno = 0;
  if (std::fflush(f_) != 0) fail("write failed", errno ? errno : EIO);
  if (::fsync(::fileno(f_)) != 0 && errno != EINVAL) fail("fsync failed", errno);
  std::FILE* f = f_;
  f_ = nullptr;
  if (std::fclose(f) != 0) {
    const int err = errno;
    std::remove(tmp_.c_str());
    throw FileError(path_, "", std::string("closing failed: ") + std::strerror(err));
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp_.c_str());
    throw FileError(path_, "", std::string("cannot rename ") + tmp_ + " onto it: " + std::strerror(err));
  }
}

}  // namespace depthscope
