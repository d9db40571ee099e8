#include "save_target.h"

#include "base/file_extension.h"

#include <algorithm>
#include <filesystem>

namespace mae::studio {

namespace fs = std::filesystem;

SaveTarget save_target(const std::string& dir, const std::string& filename,
                       const std::vector<std::string>& extensions) {
  fs::path path = fs::path(dir) / filename;
  const std::string ext = lower_extension(path.string());
  if (!extensions.empty() &&
      std::find(extensions.begin(), extensions.end(), ext) == extensions.end())
    path += extensions.front();
  SaveTarget t{path.string(), SaveTarget::Status::New};
  std::error_code ec;
  // Through a symbolic link: what matters is what it points to.
  const fs::file_status st = fs::status(path, ec);
  if (fs::exists(st))
    t.status = fs::is_regular_file(st) ? SaveTarget::Status::Exists : SaveTarget::Status::NotAFile;
  return t;
}

} // namespace mae::studio
