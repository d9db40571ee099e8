#include "eval/colormap.h"

#include "base/errors.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace mae {

Image colorize(const std::vector<float>& values, int width, int height, float lo, float hi,
               Colormap colormap) {
  if (width <= 0 || height <= 0 || values.size() != static_cast<size_t>(width) * height)
    throw ImageError("colorize: " + std::to_string(values.size()) + " values for a " +
                     std::to_string(width) + "x" + std::to_string(height) + " image");
  if (!(hi > lo))
    throw ImageError("colorize: the range must have hi > lo");
  cv::Mat gray(height, width, CV_8UC1);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const float v = values[static_cast<size_t>(y) * width + x];
      const float t = std::isfinite(v) ? std::clamp((v - lo) / (hi - lo), 0.0f, 1.0f) : 0.0f;
      gray.at<uint8_t>(y, x) = static_cast<uint8_t>(std::lround(t * 255.0f));
    }
  cv::Mat bgr, rgb;
  cv::applyColorMap(gray, bgr,
                    colormap == Colormap::Viridis ? cv::COLORMAP_VIRIDIS : cv::COLORMAP_INFERNO);
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  Image out(width, height, 3);
  std::copy(rgb.data, rgb.data + rgb.total() * 3, out.pixels.begin());
  return out;
}

} // namespace mae
