#include "formats/file_bytes.h"

#include "base/errors.h"
#include "base/regular_file.h"
#include "formats/posix_fd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mae {

namespace {

// Reads to EOF (a file may shrink while read), at most a MiB past the size
// the file declared (a file that keeps growing is refused, not read forever);
// `expected` + 1 bytes let a regular file finish without a reallocation.
std::vector<uint8_t> read_all(int fd, size_t expected, const std::string& label) {
  const size_t limit = expected + (size_t{1} << 20);
  std::vector<uint8_t> bytes(expected + 1);
  size_t used = 0;
  for (;;) {
    if (used > limit)
      throw CheckpointError("cannot read " + label + ": it grew while being read");
    if (used == bytes.size())
      bytes.resize(bytes.size() * 2);
    const ssize_t r = ::read(fd, bytes.data() + used, bytes.size() - used);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      throw CheckpointError("cannot read " + label + ": " + std::strerror(errno));
    }
    if (r == 0)
      break;
    used += static_cast<size_t>(r);
  }
  bytes.resize(used);
  return bytes;
}

} // namespace

FileBytes::FileBytes(std::vector<uint8_t> bytes) : owned_(std::move(bytes)) {
  data_ = owned_.data();
  size_ = owned_.size();
}

FileBytes::FileBytes(void* map, size_t size)
    : map_(map), data_(static_cast<const uint8_t*>(map)), size_(size) {}

FileBytes::~FileBytes() {
  if (map_)
    ::munmap(map_, size_);
}

SharedBytes read_file_bytes(const std::string& path, const char* what, bool read_ahead) {
  const std::string label = std::string(what) + " " + path;
  if (const std::string why = why_not_regular_file(path); !why.empty())
    throw CheckpointError("cannot open " + label + ": " + why);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0)
    throw CheckpointError("cannot open " + label + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw CheckpointError("cannot open " + label + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) // replaced since the check
    throw CheckpointError("cannot open " + label + ": it is not a regular file");
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    const auto size = static_cast<size_t>(st.st_size);
    // Read-only: a writable private mapping counts its whole size against the
    // system's commit limit, which would refuse shards larger than memory.
    // Nothing writes into these bytes.
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (map != MAP_FAILED) {
      if (read_ahead)
        ::madvise(map, size, MADV_WILLNEED);
      return SharedBytes(new FileBytes(map, size));
    }
  }
  // Empty, or on a file system that cannot map: read the declared size.
  return std::make_shared<const FileBytes>(
      read_all(fd.get(), static_cast<size_t>(st.st_size), label));
}

} // namespace mae
