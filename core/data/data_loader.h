// Turns a dataset into training batches. Micro-batch k (k = step * accum_iter
// + i) is a pure function of (seed, k): the epoch's shuffled order, each
// sample's crop and flip and the batch's mask scores are drawn from
// SeededRng streams keyed by k and the slot. Worker threads prefetch batches
// in order; pixels stay uint8 until the device crops them (augment.h).
#pragma once

#include "data/crop_box.h"
#include "data/data_config.h"
#include "data/dataset.h"
#include "data/device_image_cache.h"
#include "data/host_batch.h"
#include "data/prefetcher.h"

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

namespace mae {

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
// The images an evaluation uses: every index below `n` when `max` is 0, else
// a uniform sample of `max` of them; sorted, so that reading them is sequential.
std::vector<size_t> sorted_subset(size_t n, size_t max, SeededRng& rng);

class TrainLoader {
public:
  // `micro_per_epoch` micro-batches make an epoch; `first` is the first
  // micro-batch to produce (resume).
  // With a `cache`, batches carry indices and crop boxes only: the pixels
  // are already on the device.
  TrainLoader(const ImageDataset& data, const LoaderConfig& config, int64_t micro_per_epoch,
              bool pin, int64_t first, const DeviceImageCache* cache = nullptr);

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
  LoaderConfig config_;
  int64_t micro_per_epoch_;
  bool pin_;
  const DeviceImageCache* cache_;
  mutable std::mutex mutex_;
  mutable std::set<size_t> bad_;
  mutable std::map<int64_t, std::shared_ptr<const std::vector<uint32_t>>> orders_;
  OrderedPrefetcher<HostBatch> prefetcher_; // last: its workers use the members above
};

} // namespace mae
