#include "data/crop_box.h"

#include "base/errors.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace mae {
CropBox random_resized_crop(int height, int width, const AugmentConfig& a, SeededRng& rng) {
  const double area = static_cast<double>(height) * width;
  const double log_lo = std::log(a.min_ratio), log_hi = std::log(a.max_ratio);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(a.min_scale, a.max_scale);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const auto w = static_cast<int>(std::lround(std::sqrt(target * aspect)));
    const auto h = static_cast<int>(std::lround(std::sqrt(target / aspect)));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      CropBox box{static_cast<int>(rng.below(static_cast<uint64_t>(height - h + 1))),
                  static_cast<int>(rng.below(static_cast<uint64_t>(width - w + 1))), h, w};
      return box;
    }
  }
  // torchvision's fallback: the whole image, its aspect ratio clamped to the range.
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < a.min_ratio)
    h = std::max(1, static_cast<int>(std::lround(w / a.min_ratio)));
  else if (in_ratio > a.max_ratio)
    w = std::max(1, static_cast<int>(std::lround(h * a.max_ratio)));
  return {(height - h) / 2, (width - w) / 2, h, w};
}

CropBox center_square(int height, int width) {
  const int side = std::min(height, width);
  return {(height - side) / 2, (width - side) / 2, side, side};
}

CropBox training_crop(int height, int width, const AugmentConfig& a, SeededRng& rng) {
  CropBox box = a.random_resized_crop ? random_resized_crop(height, width, a, rng)
                                      : center_square(height, width);
  box.flip = a.hflip && rng.uniform() < 0.5;
  return box;
}

} // namespace mae
