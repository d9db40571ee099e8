// Training batches ready for the model: the loader's images cropped, resized,
// flipped and normalised on the training device, with their mask scores.
// On CUDA a dataset that fits is kept on the GPU (DeviceImageCache) and each
// batch is augmented by a few batched kernels; otherwise worker threads
// stream uint8 pixels from the host.
#pragma once

#include "data/augment.h"
#include "data/data_loader.h"
#include "data/device_image_cache.h"

#include <memory>
#include <string>

namespace mae {

struct DeviceBatch {
  torch::Tensor images; // [B, C, S, S] normalised, on the device
  torch::Tensor scores; // [B, L] mask scores, on the device
};

class BatchSource {
public:
  // Micro-batch `first` comes first (resume). See TrainLoader.
  BatchSource(const ImageDataset& data, const LoaderConfig& config, int64_t micro_per_epoch,
              const torch::Device& device, int64_t first);

  DeviceBatch next();
  size_t skipped_images() const { return loader_->skipped_images(); }
  // "on the GPU (12 MiB), ...", "streamed from the host by N worker threads" or
  // "read on the training thread (num_workers 0)".
  std::string describe() const;

private:
  LoaderConfig config_;
  torch::Device device_;
  NormalizationTensors normalization_;
  std::unique_ptr<DeviceImageCache> cache_;
  std::unique_ptr<TrainLoader> loader_; // last: its workers may read the cache
};

} // namespace mae
