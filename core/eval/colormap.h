// Scalar fields as colour images (heat maps), for attention and similarity
// figures. Torch-free; rendered with OpenCV's colour scales.
#pragma once

#include "data/image.h"

#include <vector>

namespace mae {

enum class Colormap { Viridis, Inferno };

// `values` (width * height, row-major) mapped linearly from [lo, hi] (clamped;
// hi > lo) onto the colour scale: an RGB image of width x height.
Image colorize(const std::vector<float>& values, int width, int height, float lo, float hi,
               Colormap colormap = Colormap::Viridis);

} // namespace mae
