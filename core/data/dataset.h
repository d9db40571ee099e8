// A source of training images: Fashion-MNIST, an image folder or packed
// shards. Torch-free; images come out as 8-bit gray or RGB of any size and
// are cropped, resized and normalised later as tensor ops (augment.h).
#pragma once

#include "data/image.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mae {

struct DataConfig;

class ImageDataset {
public:
  virtual ~ImageDataset() = default;

  virtual size_t size() const = 0;
  // Class names; empty for unlabelled data.
  virtual const std::vector<std::string>& classes() const = 0;
  // The class of image i, or -1 when unlabelled.
  virtual int label(size_t i) const = 0;
  // Image i. Thread-safe. Throws ImageError when the picture is corrupt (the
  // loader skips such images and counts them) and DataError when the data
  // set itself is broken (a shard cut short: the run stops, naming it).
  virtual Image load(size_t i) const = 0;
  // One line: "Fashion-MNIST train (60000 images, 10 classes)".
  virtual std::string describe() const = 0;

  bool labelled() const { return !classes().empty(); }
};

// The training images of a data config.
std::unique_ptr<ImageDataset> open_dataset(const DataConfig& data);
// Its labelled held-out images (Fashion-MNIST's test split, data.val_path),
// or nullptr when it has none.
std::unique_ptr<ImageDataset> open_held_out_dataset(const DataConfig& data);

} // namespace mae
