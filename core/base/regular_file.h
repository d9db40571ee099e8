// Files named by a user are opened only when they are regular files: a FIFO
// blocks in open() until a writer comes, /dev/zero never ends, a directory is
// no file. Torch-free.
#pragma once

#include <string>

namespace mae {

// Empty when `path` is a regular file (after following links); otherwise why
// not: "no such file or directory", "a directory", "a FIFO", "a device", ...
std::string why_not_regular_file(const std::string& path);

} // namespace mae
