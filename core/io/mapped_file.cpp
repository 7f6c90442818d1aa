#include "core/io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "core/error.h"

namespace depthscope {

namespace {

// Live mappings by start address, for release_read_pages (any pointer may be asked about).
struct Registry {
  std::mutex mutex;
  std::map<std::uintptr_t, std::pair<std::size_t, bool>> maps;  // start -> (size, release)
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: mappings may outlive static teardown
  return *r;
}

}  // namespace

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
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    registry().maps[reinterpret_cast<std::uintptr_t>(p)] = {size, false};
  }
  return std::shared_ptr<MappedFile>(new MappedFile(path, static_cast<std::uint8_t*>(p), size));
}

MappedFile::~MappedFile() {
  if (!data_) return;
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    registry().maps.erase(reinterpret_cast<std::uintptr_t>(data_));
  }
  ::munmap(data_, size_);
}

void MappedFile::set_release_after_read(bool on) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().maps[reinterpret_cast<std::uintptr_t>(data_)].second = on;
}

bool MappedFile::release_after_read() const {
  std::lock_guard<std::mutex> lock(registry().mutex);
  const auto it = registry().maps.find(reinterpret_cast<std::uintptr_t>(data_));
  return it != registry().maps.end() && it->second.second;
}

bool MappedFile::releases_after_read(const void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::lock_guard<std::mutex> lock(registry().mutex);
  auto it = registry().maps.upper_bound(at);
  if (it == registry().maps.begin()) return false;
  --it;
  return it->second.second && at < it->first + it->second.first;
}

void MappedFile::release_read_pages(const void* p, std::size_t n) {
  if (p == nullptr || n == 0) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  std::lock_guard<std::mutex> lock(registry().mutex);  // the mapping cannot go meanwhile
  auto it = registry().maps.upper_bound(begin);
  if (it == registry().maps.begin()) return;
  --it;
  const std::uintptr_t map_begin = it->first, map_end = it->first + it->second.first;
  if (!it->second.second || begin + n > map_end) return;
  // Whole pages only: a page shared with a neighbouring tensor would fault back in anyway,
  // but there is no reason to drop it.
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t first = (begin + page - 1) / page * page;
  const std::uintptr_t last = (begin + n) / page * page;
  if (first < map_begin || last <= first) return;
  ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace depthscope
