#include "data/augment.h"

#include <torch/torch.h>

namespace mae {
namespace {

namespace F = torch::nn::functional;

} // namespace

torch::Tensor match_channels(const torch::Tensor& x, int64_t channels) {
  if (x.size(1) == channels)
    return x;
  if (x.size(1) == 1)
    return x.expand({-1, channels, -1, -1});
  if (channels == 1) {
    const auto luma = torch::tensor({0.299f, 0.587f, 0.114f}, x.options()).view({1, 3, 1, 1});
    return (x * luma).sum(1, /*keepdim=*/true);
  }
  return x.mean(1, /*keepdim=*/true).expand({-1, channels, -1, -1});
}

torch::Tensor crop_resize(const HostBatch& batch, int64_t size, int64_t channels,
                          const torch::Device& device) {
  const auto pixels = batch.pixels.to(device, /*non_blocking=*/true);
  std::vector<torch::Tensor> out;
  out.reserve(batch.slots.size());
  for (const ImageSlot& s : batch.slots) {
    const CropBox& b = s.box;
    auto img = pixels.slice(0, s.offset, s.offset + int64_t{s.height} * s.width * s.channels)
                   .view({s.height, s.width, s.channels})
                   .slice(0, b.top, b.top + b.height)
                   .slice(1, b.left, b.left + b.width)
                   .permute({2, 0, 1})
                   .unsqueeze(0)
                   .to(torch::kFloat32);
    img = match_channels(img, channels);
    if (b.height != size || b.width != size) {
      const bool shrinking = b.height > size || b.width > size;
      img = F::interpolate(img, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{size, size})
                                    .mode(torch::kBicubic)
                                    .align_corners(false)
                                    .antialias(shrinking));
    }
    if (b.flip)
      img = img.flip({3});
    out.push_back(img);
  }
  return torch::cat(out).clamp_(0.0, 255.0).div_(255.0);
}

NormalizationTensors::NormalizationTensors(const Normalization& n,
                                           const torch::TensorOptions& options)
    : mean(torch::tensor(n.mean, torch::kFloat32).view({1, -1, 1, 1}).to(options)),
      std(torch::tensor(n.std, torch::kFloat32).view({1, -1, 1, 1}).to(options)) {}

torch::Tensor normalize(const torch::Tensor& images01, const Normalization& n) {
  return NormalizationTensors(n, images01.options()).apply(images01);
}

} // namespace mae
