// Where a Save in the file browser writes, and whether something is there.
#pragma once

#include <string>
#include <vector>

namespace mae::studio {

struct SaveTarget {
  enum class Status {
    New,     // nothing by that name: save
    Exists,  // a file: replace it only when the user confirms
    NotAFile // a folder, a device, a socket: never replaced
  };
  std::string path;
  Status status = Status::New;
};

// `filename` in `dir`; `extensions[0]` is appended unless the name already
// ends in one of `extensions` (compared without case), since the format
// written does not follow the name.
SaveTarget save_target(const std::string& dir, const std::string& filename,
                       const std::vector<std::string>& extensions);

} // namespace mae::studio
