// A POSIX file descriptor closed on every path out of a scope.
#pragma once

#include <cerrno>
#include <unistd.h>

namespace mae {

class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Returns errno of a failed close, 0 on success; close errors can report
  // delayed write failures, so writers check them.
  int close() {
    if (fd_ < 0)
      return 0;
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

private:
  int fd_;
};

} // namespace mae
