// Turns a dataset into training batches. Micro-batch k (k = step * accum_iter
// + i) is a pure function of (seed, k): the epoch's shuffled order, each
// sample's crop and flip and the batch's mask scores are drawn from
// SeededRng streams keyed by k and the slot. Worker threads prefetch batches
// in order; pixels stay uint8 until the device crops them (augment.h).
#pragma once

#include "mae/crop_box.h"
#include "mae/dataset.h"
#include "mae/device_image_cache.h"
#include "mae/prefetcher.h"
#include "mae/train_config.h"

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
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

// Packs images with their crops; `pin` page-locks the buffer for an
// asynchronous copy to CUDA.
HostBatch pack_images(const std::vector<Image>& images, const std::vector<CropBox>& boxes,
                      bool pin);

// The unaugmented view (centre square) of dataset images, for probes and
// previews. Throws when an image cannot be read.
HostBatch eval_batch(const ImageDataset& data, const std::vector<size_t>& indices, bool pin);

// `count` distinct indices below `n` (all of them when count >= n), a pure
// function of the seed.
std::vector<size_t> sample_indices(size_t n, size_t count, SeededRng& rng);

class TrainLoader {
public:
  // `micro_per_epoch` micro-batches make an epoch; `grid` is the model's
  // patch grid side; `first` the first micro-batch to produce (resume).
  // With a `cache`, batches carry indices and crop boxes only: the pixels
  // are already on the device.
  TrainLoader(const ImageDataset& data, const TrainConfig& config, int64_t micro_per_epoch,
              int64_t grid, bool pin, int64_t first, const DeviceImageCache* cache = nullptr);

  HostBatch next();

  // The dataset indices of micro-batch k, before unreadable images are replaced.
  std::vector<size_t> batch_indices(int64_t k) const;
  // Distinct unreadable images met so far.
  size_t skipped_images() const;

private:
  HostBatch make(int64_t k) const;
  // Sets `index` to the image actually loaded.
  Image load_or_substitute(size_t& index) const;
  std::shared_ptr<const std::vector<uint32_t>> epoch_order(int64_t epoch) const;

  const ImageDataset& data_;
  TrainConfig config_;
  int64_t micro_per_epoch_, grid_;
  bool pin_;
  const DeviceImageCache* cache_;
  mutable std::mutex mutex_;
  mutable std::set<size_t> bad_;
  mutable std::map<int64_t, std::shared_ptr<const std::vector<uint32_t>>> orders_;
  OrderedPrefetcher<HostBatch> prefetcher_; // last: its workers use the members above
};

} // namespace mae
