// Image decoding and resampling (OpenCV). Every image becomes 8-bit gray or
// RGB: 16-bit is scaled, alpha is composited over white, palettes expanded.
#pragma once

#include "data/image.h"

#include <string>

namespace mae {

// Throws ImageError naming the file and the reason.
Image load_image(const std::string& path);
Image decode_image(const uint8_t* data, size_t size, const std::string& label);

// The model's view of a picture: short side resized to `size` (bicubic, or
// area when shrinking), then the centre `size` x `size` crop.
Image resize_center_crop(const Image& image, int size);
Image resize_image(const Image& image, int width, int height, bool nearest = false);
// Gray <-> RGB.
Image convert_channels(const Image& image, int channels);

// PNG, written atomically; throws ImageError.
void write_png(const std::string& path, const Image& image);

// Image file extensions the loaders accept (lower case, with the dot).
bool is_image_path(const std::string& path);

} // namespace mae
