#include "data/device_image_cache.h"

#include "base/errors.h"
#include "data/augment.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>

namespace mae {
namespace {

// One image into its slot of the padded host tensor [C, Hmax, Wmax], with its
// last row and column repeated into the padding so that bicubic taps at the
// image's edge see the edge, not black.
void place(const Image& img, torch::Tensor slot, int channels) {
  auto hwc = torch::from_blob(const_cast<uint8_t*>(img.pixels.data()),
                              {img.height, img.width, img.channels}, torch::kUInt8);
  auto chw = hwc.permute({2, 0, 1}).expand({channels, -1, -1});
  slot.slice(1, 0, img.height).slice(2, 0, img.width).copy_(chw);
  slot.slice(1, 0, img.height)
      .slice(2, img.width)
      .copy_(slot.slice(1, 0, img.height).slice(2, img.width - 1, img.width));
  slot.slice(1, img.height).copy_(slot.slice(1, img.height - 1, img.height));
}

// The [B, size, size, 2] sampling grid of axis-aligned maps [B, 4] (x scale,
// x offset, y scale, y offset), built by broadcasting: affine_grid would run a
// batched float32 matrix product for the same numbers (0.6 ms a ViT-B batch).
torch::Tensor crop_grid(const torch::Tensor& maps, int64_t size) {
  const int64_t B = maps.size(0);
  // Output pixel centres in [-1, 1], as affine_grid places them.
  const auto centres =
      (torch::arange(size, maps.options()) * 2 + 1) / static_cast<double>(size) - 1;
  const auto gx = maps.select(1, 0).view({B, 1, 1}) * centres.view({1, 1, size}) +
                  maps.select(1, 1).view({B, 1, 1});
  const auto gy = maps.select(1, 2).view({B, 1, 1}) * centres.view({1, size, 1}) +
                  maps.select(1, 3).view({B, 1, 1});
  return torch::stack({gx.expand({B, size, size}), gy.expand({B, size, size})}, -1);
}

} // namespace

std::unique_ptr<DeviceImageCache>
DeviceImageCache::build(const ImageDataset& data, const torch::Device& device, int64_t max_bytes) {
  if (data.size() == 0)
    return nullptr;
  // A cheap first guess from one image before decoding everything.
  Image first;
  try {
    first = data.load(0);
  } catch (const Error&) {
    return nullptr;
  }
  if (static_cast<int64_t>(first.pixels.size()) * static_cast<int64_t>(data.size()) > max_bytes)
    return nullptr;
  std::vector<Image> images;
  images.reserve(data.size());
  int hmax = 0, wmax = 0, channels = 1;
  for (size_t i = 0; i < data.size(); ++i) {
    try {
      images.push_back(i == 0 ? first : data.load(i));
    } catch (const Error&) {
      return nullptr; // unreadable images: the streaming loader skips and counts them
    }
    hmax = std::max(hmax, images.back().height);
    wmax = std::max(wmax, images.back().width);
    channels = std::max(channels, images.back().channels);
  }
  const int64_t bytes = static_cast<int64_t>(images.size()) * channels * hmax * wmax;
  if (bytes > max_bytes)
    return nullptr;
  auto cache = std::unique_ptr<DeviceImageCache>(new DeviceImageCache());
  auto host =
      torch::empty({static_cast<int64_t>(images.size()), channels, hmax, wmax}, torch::kUInt8);
  for (size_t i = 0; i < images.size(); ++i) {
    place(images[i], host[static_cast<int64_t>(i)], channels);
    cache->heights_.push_back(images[i].height);
    cache->widths_.push_back(images[i].width);
  }
  cache->images_ = host.to(device);
  return cache;
}

int64_t DeviceImageCache::bytes() const {
  return images_.numel();
}

torch::Tensor DeviceImageCache::crop_resize(const std::vector<size_t>& indices,
                                            const std::vector<CropBox>& boxes, int64_t size,
                                            int64_t channels) const {
  const auto B = static_cast<int64_t>(indices.size());
  const double H = static_cast<double>(images_.size(2)), W = static_cast<double>(images_.size(3));
  // Per-sample axis-aligned maps from output to input coordinates in
  // grid_sample's [-1, 1] units (align_corners false):
  // x_in = w/W * x_out + (2*left + w)/W - 1, with a negated scale to mirror.
  auto maps = torch::empty({B, 4}, torch::kFloat32);
  auto idx = torch::empty({B}, torch::kInt64);
  auto m = maps.accessor<float, 2>();
  auto ix = idx.accessor<int64_t, 1>();
  for (int64_t b = 0; b < B; ++b) {
    const CropBox& box = boxes[static_cast<size_t>(b)];
    ix[b] = static_cast<int64_t>(indices[static_cast<size_t>(b)]);
    m[b][0] = static_cast<float>((box.flip ? -1.0 : 1.0) * box.width / W);
    m[b][1] = static_cast<float>((2.0 * box.left + box.width) / W - 1.0);
    m[b][2] = static_cast<float>(box.height / H);
    m[b][3] = static_cast<float>((2.0 * box.top + box.height) / H - 1.0);
  }
  const auto device = images_.device();
  const bool pin = device.is_cuda();
  auto x = images_.index_select(0, (pin ? idx.pin_memory() : idx).to(device, /*non_blocking=*/true))
               .to(torch::kFloat32);
  const auto grid =
      crop_grid((pin ? maps.pin_memory() : maps).to(device, /*non_blocking=*/true), size);
  // at::grid_sampler takes bicubic (2) on every LibTorch version; the C++
  // options of 1.13 stop at bilinear. Padding mode 1: border.
  x = at::grid_sampler(x, grid, /*interpolation_mode=*/2, /*padding_mode=*/1,
                       /*align_corners=*/false);
  return match_channels(x, channels).clamp_(0.0, 255.0).div_(255.0);
}

} // namespace mae
