#include "base/regular_file.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace mae {

std::string why_not_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return std::strerror(errno);
  if (S_ISREG(st.st_mode))
    return "";
  if (S_ISDIR(st.st_mode))
    return "it is a directory, not a file";
  if (S_ISFIFO(st.st_mode))
    return "it is a FIFO, not a regular file (reading it could wait forever)";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    return "it is a device, not a regular file";
  if (S_ISSOCK(st.st_mode))
    return "it is a socket, not a regular file";
  return "it is not a regular file";
}

} // namespace mae
