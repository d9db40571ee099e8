// A plain 8-bit image, so that GUI and CLI code can pass pictures around
// without including torch or OpenCV.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mae {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;            // 1 (gray) or 3 (RGB), interleaved
  std::vector<uint8_t> pixels; // row-major, height * width * channels

  Image() = default;
  Image(int w, int h, int c, uint8_t fill = 0)
      : width(w), height(h), channels(c), pixels(static_cast<size_t>(w) * h * c, fill) {}

  bool empty() const { return pixels.empty(); }
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * width * channels; }
  const uint8_t* row(int y) const {
    return pixels.data() + static_cast<size_t>(y) * width * channels;
  }
};

} // namespace mae
