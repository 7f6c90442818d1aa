#include "core/io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace depthscope {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) throw FileError(path, "", "file not found");
    throw FileError(path, "", std::string("cannot open: ") + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw FileError(path, "", std::string("cannot read file size: ") + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw FileError(path, "", "is a folder, expected a file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FileError(path, "", "is not a regular file");
  }
  if (st.st_size == 0) {
    ::close(fd);
    throw FileError(path, "", "file is empty");
  }
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  // Read-only: no commit charge, so a checkpoint larger than the free commit limit still maps
  // under strict overcommit (vm.overcommit_memory=2), and the file can never be changed.
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps its own reference to the file
  if (p == MAP_FAILED) throw FileError(path, "", std::string("cannot map into memory: ") + std::strerror(err));
  return std::shared_ptr<MappedFile>(new MappedFile(path, static_cast<std::uint8_t*>(p), size));
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

}  // namespace depthscope
