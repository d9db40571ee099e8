// Where each training image is cropped: torchvision's RandomResizedCrop and
// RandomHorizontalFlip as the official MAE recipe uses them, drawn from a
// SeededRng so that the crop of a sample is a pure function of the seed.
// The crop itself (and the bicubic resize) runs as tensor ops (augment.h).
#pragma once

#include "data/data_config.h"
#include "runtime/seeded_rng.h"

namespace mae {

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

// The evaluation view: the centred square of side min(height, width). The
// official evaluation (Resize(256), CenterCrop(224)) keeps 87.5 % of that
// side; here the whole short side, so a photo's border counts too
// (Fashion-MNIST's pictures are the model's size either way).
CropBox center_square(int height, int width);

// The training view when augmentation is on, else the centre square.
CropBox training_crop(int height, int width, const AugmentConfig& augment, SeededRng& rng);

} // namespace mae
