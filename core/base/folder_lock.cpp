#include "base/folder_lock.h"

#include "base/errors.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace mae {
namespace {

// The holder's line ("pid 123 on host"), or empty when unreadable.
std::string holder_of(int fd) {
  char buf[160] = {};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (const auto nl = text.find('\n'); nl != std::string::npos)
    text.resize(nl);
  for (char& c : text) // the file is anyone's: print no control bytes
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  return text;
}

void write_holder(int fd) {
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  const std::string line = "pid " + std::to_string(getpid()) + " on " + std::string(host) + "\n";
  if (ftruncate(fd, 0) == 0) // only a hint for the refusal: failures do not matter
    (void)!pwrite(fd, line.data(), line.size(), 0);
}

} // namespace

FolderLock::FolderLock(const std::string& dir) {
  const std::string path = dir + "/" + kFolderLockName;
  // No link followed (it could point at a user's file) and no FIFO waited on.
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd < 0)
    return; // read-only, a link, ...: the writes that follow say what is wrong
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      const std::string holder = holder_of(fd);
      close(fd);
      throw UsageError(dir + " is in use: another mae process" +
                       (holder.empty() ? std::string() : " (" + holder + ")") +
                       " is writing there. Wait for it to end, or choose another folder");
    }
    close(fd);
    return; // a file system without locks
  }
  fd_ = fd;
  write_holder(fd_);
}

FolderLock::~FolderLock() {
  release();
}

FolderLock::FolderLock(FolderLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FolderLock& FolderLock::operator=(FolderLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

// The file stays: removing it would let a third process lock a new file
// while a second still holds the old one.
void FolderLock::release() {
  if (fd_ >= 0)
    close(fd_);
  fd_ = -1;
}

} // namespace mae
