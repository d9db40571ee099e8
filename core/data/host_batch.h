// A micro-batch as the loader hands it over: uint8 pixels of every image with
// its crop, labels and mask scores. The device half (augment.h) turns it into
// model input.
#pragma once

#include "data/crop_box.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace mae {

// Where one image sits in a batch's pixel buffer, and its crop.
struct ImageSlot {
  int64_t offset = 0;
  int height = 0, width = 0, channels = 0;
  CropBox box;
};

struct HostBatch {
  torch::Tensor
      pixels; // uint8, every image's HWC bytes back to back (undefined with a device cache)
  std::vector<ImageSlot> slots;
  std::vector<size_t> indices; // the dataset images, in slot order
  torch::Tensor labels;        // int64 [B], -1 when unlabelled
  torch::Tensor mask_scores;   // float [B, L] (training batches)
};

} // namespace mae
