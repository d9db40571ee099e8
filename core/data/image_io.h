// Image decoding and resampling (OpenCV). Every image becomes 8-bit gray or
// RGB: 16-bit is scaled, alpha is composited over white, palettes expanded.
#pragma once

#include "data/image.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace mae {

// Throws ImageError naming the file and the reason: not a regular file, not
// an image, a header asking for more than 8192 x 8192 pixels (JPEGs that
// large are decoded at 1/2, 1/4 or 1/8 scale instead), sides over 65536, or
// more elongated than 32:1. `warning`, when given, is set to what the user
// should know about a picture that did load (a truncated JPEG, a reduced one).
Image load_image(const std::string& path, std::string* warning = nullptr);
Image decode_image(const uint8_t* data, size_t size, const std::string& label,
                   std::string* warning = nullptr);

// Width and height from a PNG, JPEG, GIF, BMP, WebP, PNM or TIFF header, without
// decoding; nothing for other formats or a header too short to tell.
struct ImageSize {
  int64_t width = 0, height = 0;
};
std::optional<ImageSize> image_header_size(const uint8_t* data, size_t size);

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
