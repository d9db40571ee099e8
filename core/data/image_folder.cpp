#include "data/image_folder.h"

#include "base/errors.h"
#include "base/image_signature.h"
#include "data/image_io.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace mae {

FolderScan scan_image_folder(const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw DataError("image folder '" + root + "' is not a directory");
  FolderScan scan;
  const auto options = fs::directory_options::follow_directory_symlink |
                       fs::directory_options::skip_permission_denied;
  // Linked folders are followed, each real folder once: a link back to a
  // parent (or two links to one folder) would count its images again.
  std::set<fs::path> walked{fs::canonical(root, ec)};
  for (auto it = fs::recursive_directory_iterator(root, options, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec; // an entry that cannot be read is left out, not the whole scan
    if (it->is_directory(entry_ec)) {
      if (!walked.insert(fs::canonical(it->path(), entry_ec)).second || entry_ec)
        it.disable_recursion_pending();
    } else if (it->is_regular_file(entry_ec) && is_image_path(it->path().string())) {
      scan.files.push_back(it->path().string());
    }
  }
  if (ec)
    throw DataError("cannot list '" + root + "': " + ec.message());
  if (scan.files.empty())
    throw DataError("image folder '" + root + "' holds no images (" + kImageFormatList + ")");
  std::sort(scan.files.begin(), scan.files.end());

  // Classes: the first path component below the root, when every image has one.
  std::map<std::string, int> class_ids;
  bool all_in_subdirs = true;
  std::vector<std::string> first;
  for (const auto& f : scan.files) {
    const fs::path rel = fs::path(f).lexically_relative(root);
    all_in_subdirs = all_in_subdirs && std::distance(rel.begin(), rel.end()) >= 2;
    first.push_back(rel.begin()->string());
    class_ids.emplace(first.back(), 0);
  }
  scan.labels.assign(scan.files.size(), -1);
  if (all_in_subdirs && class_ids.size() >= 2) {
    for (auto& [name, id] : class_ids) {
      id = static_cast<int>(scan.classes.size());
      scan.classes.push_back(name);
    }
    for (size_t i = 0; i < first.size(); ++i)
      scan.labels[i] = class_ids[first[i]];
  }
  return scan;
}

ImageFolderDataset::ImageFolderDataset(const std::string& root)
    : root_(root), scan_(scan_image_folder(root)) {}

Image ImageFolderDataset::load(size_t i) const {
  return load_image(scan_.files[i]);
}

std::string ImageFolderDataset::describe() const {
  std::string s = "image folder '" + root_ + "' (" + std::to_string(size()) + " images";
  if (!scan_.classes.empty())
    s += ", " + std::to_string(scan_.classes.size()) + " classes";
  return s + ")";
}

} // namespace mae
