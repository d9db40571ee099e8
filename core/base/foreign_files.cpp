#include "base/foreign_files.h"

#include <algorithm>
#include <filesystem>

namespace mae {

namespace fs = std::filesystem;

std::vector<std::string> foreign_files(const std::string& dir,
                                       const std::function<bool(const std::string&)>& own) {
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (const std::string name = it->path().filename().string(); !own(name))
      found.push_back(name);
  std::sort(found.begin(), found.end());
  return found;
}

} // namespace mae
