// Fashion-MNIST (Xiao et al. 2017): 28x28 gray clothing pictures in 10
// classes, 60,000 for training and 10,000 for testing, read from the
// gzip-compressed IDX files of the Debian package dataset-fashion-mnist.
#pragma once

#include "data/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mae {

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnist {
  int64_t count = 0;
  int rows = 0, cols = 0;
  std::vector<uint8_t> pixels; // count * rows * cols, row-major
  std::vector<uint8_t> labels; // count, in [0, 10)
};

// The "train" or "t10k" split from `dir` (empty: kFashionMnistDir). Throws
// DataError naming the file on a missing, truncated or malformed file.
FashionMnist read_fashion_mnist(const std::string& dir, bool train);

const std::vector<std::string>& fashion_mnist_classes();

class FashionMnistDataset : public ImageDataset {
public:
  FashionMnistDataset(const std::string& dir, bool train);

  size_t size() const override { return static_cast<size_t>(data_.count); }
  const std::vector<std::string>& classes() const override { return fashion_mnist_classes(); }
  int label(size_t i) const override { return data_.labels[i]; }
  Image load(size_t i) const override;
  std::string describe() const override;

private:
  FashionMnist data_;
  bool train_;
};

} // namespace mae
