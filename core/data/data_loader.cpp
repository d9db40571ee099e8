#include "data/data_loader.h"

#include "base/errors.h"
#include "model/masking.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <numeric>

namespace mae {
namespace {

// An unreadable image is replaced by the next readable one; this many bad
// files in a row mean the data source itself is broken.
constexpr int kMaxSubstitutions = 64;

} // namespace

HostBatch pack_images(const std::vector<Image>& images, const std::vector<CropBox>& boxes,
                      bool pin) {
  HostBatch b;
  int64_t total = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    const Image& img = images[i];
    b.slots.push_back({total, img.height, img.width, img.channels, boxes[i]});
    total += static_cast<int64_t>(img.pixels.size());
  }
  b.pixels = torch::empty({total}, torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(pin));
  auto* dst = b.pixels.data_ptr<uint8_t>();
  for (size_t i = 0; i < images.size(); ++i)
    std::memcpy(dst + b.slots[i].offset, images[i].pixels.data(), images[i].pixels.size());
  b.labels = torch::full({static_cast<int64_t>(images.size())}, -1, torch::kInt64);
  return b;
}

HostBatch eval_batch(const ImageDataset& data, const std::vector<size_t>& indices, bool pin) {
  std::vector<Image> images;
  std::vector<CropBox> boxes;
  for (size_t i : indices) {
    images.push_back(data.load(i));
    boxes.push_back(center_square(images.back().height, images.back().width));
  }
  HostBatch b = pack_images(images, boxes, pin);
  auto labels = b.labels.accessor<int64_t, 1>();
  for (size_t j = 0; j < indices.size(); ++j)
    labels[static_cast<int64_t>(j)] = data.label(indices[j]);
  return b;
}

std::vector<size_t> sample_indices(size_t n, size_t count, SeededRng& rng) {
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), size_t{0});
  count = std::min(count, n);
  // Partial Fisher-Yates: the first `count` entries are a uniform sample.
  for (size_t i = 0; i < count; ++i)
    std::swap(all[i], all[i + rng.below(n - i)]);
  all.resize(count);
  return all;
}

std::vector<size_t> sorted_subset(size_t n, size_t max, SeededRng& rng) {
  auto idx = sample_indices(n, max == 0 ? n : max, rng);
  std::sort(idx.begin(), idx.end());
  return idx;
}

TrainLoader::TrainLoader(const ImageDataset& data, const LoaderConfig& config,
                         int64_t micro_per_epoch, bool pin, int64_t first,
                         const DeviceImageCache* cache)
    : data_(data), config_(config), micro_per_epoch_(micro_per_epoch), pin_(pin), cache_(cache),
      prefetcher_([this](int64_t k) { return make(k); }, config.num_workers, config.prefetch,
                  first) {}

HostBatch TrainLoader::next() {
  return prefetcher_.next();
}

size_t TrainLoader::skipped_images() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bad_.size();
}

std::shared_ptr<const std::vector<uint32_t>> TrainLoader::epoch_order(int64_t epoch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = orders_.find(epoch); it != orders_.end())
    return it->second;
  // Datasets smaller than the epoch's samples appear several times per epoch.
  const size_t needed = static_cast<size_t>(micro_per_epoch_) *
                        static_cast<size_t>(config_.batch_size) *
                        static_cast<size_t>(config_.world_size);
  const size_t repeats = std::max<size_t>(1, (needed + data_.size() - 1) / data_.size());
  auto order = std::make_shared<std::vector<uint32_t>>(data_.size() * repeats);
  for (size_t i = 0; i < order->size(); ++i)
    (*order)[i] = static_cast<uint32_t>(i % data_.size());
  SeededRng rng(config_.seed, RngStream::DataOrder, static_cast<uint64_t>(epoch));
  for (size_t i = order->size(); i > 1; --i)
    std::swap((*order)[i - 1], (*order)[rng.below(i)]);
  // Prefetching workers rarely straddle more than two epochs; a miss recomputes.
  while (orders_.size() >= 2)
    orders_.erase(orders_.begin());
  orders_.emplace(epoch, order);
  return order;
}

std::vector<size_t> TrainLoader::batch_indices(int64_t k) const {
  const auto order = epoch_order(k / micro_per_epoch_);
  const size_t batch = static_cast<size_t>(config_.batch_size);
  const size_t start =
      (static_cast<size_t>(k % micro_per_epoch_) * static_cast<size_t>(config_.world_size) +
       static_cast<size_t>(config_.rank)) *
      batch;
  return std::vector<size_t>(order->begin() + static_cast<std::ptrdiff_t>(start),
                             order->begin() +
                                 static_cast<std::ptrdiff_t>(start + config_.batch_size));
}

Image TrainLoader::load_or_substitute(size_t& index) const {
  for (int attempt = 0; attempt < kMaxSubstitutions; ++attempt) {
    const size_t i = (index + static_cast<size_t>(attempt)) % data_.size();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (bad_.count(i))
        continue;
    }
    try {
      Image image = data_.load(i);
      index = i;
      return image;
    } catch (const ImageError&) {
      // A corrupt picture is skipped; anything else (a shard cut short) ends the run.
      std::lock_guard<std::mutex> lock(mutex_);
      bad_.insert(i);
    }
  }
  throw DataError(std::to_string(kMaxSubstitutions) + " unreadable images in a row in " +
                  data_.describe());
}

HostBatch TrainLoader::make(int64_t k) const {
  auto indices = batch_indices(k);
  HostBatch b;
  std::vector<Image> images;
  std::vector<CropBox> boxes;
  std::vector<int64_t> labels;
  for (size_t j = 0; j < indices.size(); ++j) {
    if (!cache_)
      images.push_back(load_or_substitute(indices[j]));
    // With a device cache no pixels are loaded: its sizes drive the crop.
    const int height = cache_ ? cache_->height(indices[j]) : images.back().height;
    const int width = cache_ ? cache_->width(indices[j]) : images.back().width;
    const size_t slot =
        static_cast<size_t>(config_.rank) * indices.size() + j; // in the global batch
    SeededRng rng(config_.seed, RngStream::Crop, static_cast<uint64_t>(k), slot);
    boxes.push_back(training_crop(height, width, config_.augment, rng));
    if (cache_)
      b.slots.push_back({0, height, width, 0, boxes.back()});
    labels.push_back(data_.label(indices[j]));
  }
  if (!cache_)
    b = pack_images(images, boxes, pin_);
  b.indices = indices;
  b.labels = torch::tensor(labels, torch::kInt64);
  MaskSettings mask = config_.mask;
  mask.seed = derive_seed(config_.seed, RngStream::Mask, static_cast<uint64_t>(k));
  const auto n = static_cast<int64_t>(indices.size());
  b.mask_scores = mask_scores(mask, n * config_.world_size, config_.grid, config_.grid)
                      .slice(0, n * config_.rank, n * (config_.rank + 1))
                      .contiguous();
  if (pin_)
    b.mask_scores = b.mask_scores.pin_memory();
  return b;
}

} // namespace mae
