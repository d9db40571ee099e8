// A directory tree of image files (png, jpg, ...), found recursively and
// decoded with OpenCV on the loader's worker threads. When every image lies
// under a first-level subdirectory and there are at least two of them, the
// subdirectories are the classes (torchvision's ImageFolder convention).
#pragma once

#include "data/dataset.h"

#include <string>
#include <vector>

namespace mae {

struct FolderScan {
  std::vector<std::string> files; // sorted, so the order is the same everywhere
  std::vector<int> labels;        // -1 when unlabelled
  std::vector<std::string> classes;
};

// Throws DataError when `root` is not a directory or holds no images.
FolderScan scan_image_folder(const std::string& root);

class ImageFolderDataset : public ImageDataset {
public:
  explicit ImageFolderDataset(const std::string& root);

  size_t size() const override { return scan_.files.size(); }
  const std::vector<std::string>& classes() const override { return scan_.classes; }
  int label(size_t i) const override { return scan_.labels[i]; }
  Image load(size_t i) const override;
  std::string describe() const override;
  const std::string& file(size_t i) const { return scan_.files[i]; }

private:
  std::string root_;
  FolderScan scan_;
};

} // namespace mae
