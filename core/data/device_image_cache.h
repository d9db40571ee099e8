// A dataset small enough to live on the accelerator (Fashion-MNIST, a packed
// photo corpus), kept there as one padded uint8 tensor. A training batch is
// then cropped, resized and flipped by a few batched kernels instead of a
// handful of launches per image, and no pixels cross the bus after start-up.
#pragma once

#include "data/crop_box.h"
#include "data/dataset.h"

#include <torch/types.h>

#include <memory>
#include <vector>

namespace mae {

class DeviceImageCache {
public:
  // Loads every image once. Returns null when the padded tensor would need
  // more than `max_bytes` (the caller then streams batches from the host).
  static std::unique_ptr<DeviceImageCache> build(const ImageDataset& data,
                                                 const torch::Device& device, int64_t max_bytes);

  size_t size() const { return heights_.size(); }
  int height(size_t i) const { return heights_[i]; }
  int width(size_t i) const { return widths_[i]; }
  int64_t bytes() const;

  // [B, channels, size, size] float in [0, 1]: each image's crop box resized
  // with bicubic interpolation (grid_sample; no antialiasing when shrinking)
  // and mirrored where the box says so.
  torch::Tensor crop_resize(const std::vector<size_t>& indices, const std::vector<CropBox>& boxes,
                            int64_t size, int64_t channels) const;

private:
  torch::Tensor images_; // [N, C, Hmax, Wmax] uint8, edges replicated into the padding
  std::vector<int> heights_, widths_;
};

} // namespace mae
