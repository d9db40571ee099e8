#include "formats/file_bytes.h"

#include "base/errors.h"
#include "formats/posix_fd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mae {

namespace {

// Reads to EOF rather than trusting st_size (pipes, files that grow);
// `expected` + 1 bytes let a regular file finish without a reallocation.
std::vector<uint8_t> read_all(int fd, size_t expected, const std::string& label) {
  std::vector<uint8_t> bytes(expected + 1);
  size_t used = 0;
  for (;;) {
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
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    throw CheckpointError("cannot open " + label + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw CheckpointError("cannot open " + label + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode))
    throw CheckpointError("cannot open " + label + ": " + std::strerror(EISDIR));
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
  const size_t expected = S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : size_t{1} << 16;
  return std::make_shared<const FileBytes>(read_all(fd.get(), expected, label));
}

} // namespace mae
