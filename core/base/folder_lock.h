// One writer a folder: a run, a fine-tune or a sweep holds its output
// folder's lock file (.mae-lock, flock) while it writes there, so a second
// process sent to the same folder is refused before it touches a file,
// instead of the two interleaving metrics lines and replacing each other's
// checkpoints. The kernel frees the lock when its process ends, however it
// ends: no stale lock survives a crash. Torch-free.
#pragma once

#include <string>

namespace mae {

constexpr const char* kFolderLockName = ".mae-lock";

class FolderLock {
public:
  FolderLock() = default;
  // Takes `dir`'s lock (dir must exist). Throws UsageError naming the
  // holder's process when another one holds it. Where the file system takes
  // no locks or the folder is read-only, holds none: the writes that follow
  // report what is wrong.
  explicit FolderLock(const std::string& dir);
  ~FolderLock();
  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&& other) noexcept;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  bool held() const { return fd_ >= 0; }
  void release();

private:
  int fd_ = -1;
};

} // namespace mae
