// Where each training image is cropped: torchvision's RandomResizedCrop and
// RandomHorizontalFlip as the official MAE recipe uses them, drawn from a
// SeededRng so that the crop of a sample is a pure function of the seed.
// The crop itself (and the bicubic resize) runs as tensor ops (augment.h).
#pragma once

#include "mae/seeded_rng.h"

namespace mae {

struct AugmentConfig {
  bool random_resized_crop = true;                     // false: the centred square, resized
  double min_scale = 0.2, max_scale = 1.0;             // fraction of the image area
  double min_ratio = 3.0 / 4.0, max_ratio = 4.0 / 3.0; // crop width / height
  bool hflip = true;

  // Throws ConfigError naming the field ("augment.min_scale").
  void validate() const;
  bool operator==(const AugmentConfig& o) const;
};

// A region of a height x width image, optionally mirrored left-right.
struct CropBox {
  int top = 0, left = 0, height = 0, width = 0;
  bool flip = false;
  bool operator==(const CropBox& o) const {
    return top == o.top && left == o.left && height == o.height && width == o.width &&
           flip == o.flip;
  }
};

// The training view: torchvision's RandomResizedCrop.get_params (ten tries,
// then a centre crop with the ratio clamped) and a coin flip.
CropBox random_resized_crop(int height, int width, const AugmentConfig& augment, SeededRng& rng);

// The evaluation view: the centred square of side min(height, width), which
// is what "resize the short side, then centre-crop" keeps.
CropBox center_square(int height, int width);

// The training view when augmentation is on, else the centre square.
CropBox training_crop(int height, int width, const AugmentConfig& augment, SeededRng& rng);

} // namespace mae
