#include "data/batch_source.h"

#include "data/augment.h"

#include <torch/torch.h>

namespace mae {
namespace {

// Datasets up to this size are kept on the GPU (padded uint8).
constexpr int64_t kDeviceCacheBytes = int64_t{6} << 30;

} // namespace

BatchSource::BatchSource(const ImageDataset& data, const LoaderConfig& config,
                         int64_t micro_per_epoch, const torch::Device& device, int64_t first)
    : config_(config), device_(device),
      normalization_(config.normalization,
                     torch::TensorOptions().dtype(torch::kFloat32).device(device)) {
  if (device.is_cuda())
    cache_ = DeviceImageCache::build(data, device, kDeviceCacheBytes);
  // Pinned host buffers let the copies to CUDA run without a host sync.
  loader_ = std::make_unique<TrainLoader>(data, config, micro_per_epoch, device.is_cuda(), first,
                                          cache_.get());
}

DeviceBatch BatchSource::next() {
  const HostBatch batch = loader_->next();
  torch::Tensor images01;
  if (cache_) {
    std::vector<CropBox> boxes;
    for (const ImageSlot& s : batch.slots)
      boxes.push_back(s.box);
    images01 = cache_->crop_resize(batch.indices, boxes, config_.img_size, config_.in_chans);
  } else {
    images01 = crop_resize(batch, config_.img_size, config_.in_chans, device_);
  }
  return {normalization_.apply(images01), batch.mask_scores.to(device_, /*non_blocking=*/true)};
}

std::string BatchSource::describe() const {
  if (cache_)
    return "on the GPU (" + std::to_string(cache_->bytes() >> 20) +
           " MiB), cropped and resized in batched kernels";
  const int n = config_.num_workers;
  if (n == 0)
    return "read on the training thread (num_workers 0)";
  return "streamed from the host by " + std::to_string(n) + " worker thread" + (n == 1 ? "" : "s");
}

} // namespace mae
