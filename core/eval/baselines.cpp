#include "eval/baselines.h"

#include "base/errors.h"

#include <opencv2/photo.hpp>

#include <string>

namespace mae {
namespace {

void check_geometry(const Image& image, const std::vector<uint8_t>& mask, int grid_h, int grid_w,
                    int patch_size, const char* what) {
  const auto shape = [](int w, int h) { return std::to_string(w) + "x" + std::to_string(h); };
  if (grid_h <= 0 || grid_w <= 0 || patch_size <= 0)
    throw ImageError(std::string(what) + ": the patch grid must be non-empty");
  if (mask.size() != static_cast<size_t>(grid_h) * grid_w)
    throw ImageError(std::string(what) + ": the mask has " + std::to_string(mask.size()) +
                     " entries, the grid " + shape(grid_w, grid_h) + " needs " +
                     std::to_string(grid_h * grid_w));
  if (image.width != grid_w * patch_size || image.height != grid_h * patch_size)
    throw ImageError(std::string(what) + ": the image is " + shape(image.width, image.height) +
                     ", the " + shape(grid_w, grid_h) + " grid of " + std::to_string(patch_size) +
                     "px patches needs " + shape(grid_w * patch_size, grid_h * patch_size));
  if (image.channels != 1 && image.channels != 3)
    throw ImageError(std::string(what) + ": images must have 1 or 3 channels");
}

bool removed_at(const std::vector<uint8_t>& mask, int grid_w, int patch_size, int x, int y) {
  return mask[static_cast<size_t>(y / patch_size) * grid_w + x / patch_size] != 0;
}

} // namespace

Image inpaint_telea(const Image& image, const std::vector<uint8_t>& mask, int grid_h, int grid_w,
                    int patch_size, double radius) {
  check_geometry(image, mask, grid_h, grid_w, patch_size, "inpaint_telea");
  const int type = image.channels == 1 ? CV_8UC1 : CV_8UC3;
  const cv::Mat src(image.height, image.width, type, const_cast<uint8_t*>(image.pixels.data()));
  cv::Mat holes(image.height, image.width, CV_8UC1, cv::Scalar(0));
  for (int gy = 0; gy < grid_h; ++gy)
    for (int gx = 0; gx < grid_w; ++gx)
      if (mask[static_cast<size_t>(gy) * grid_w + gx])
        holes(cv::Rect(gx * patch_size, gy * patch_size, patch_size, patch_size)).setTo(255);
  Image out(image.width, image.height, image.channels);
  cv::Mat dst(image.height, image.width, type, out.pixels.data());
  // Telea works channel-wise, so the RGB order of Image needs no conversion.
  cv::inpaint(src, holes, dst, radius, cv::INPAINT_TELEA);
  return out;
}

Image fill_visible_mean(const Image& image, const std::vector<uint8_t>& mask, int grid_h,
                        int grid_w, int patch_size) {
  check_geometry(image, mask, grid_h, grid_w, patch_size, "fill_visible_mean");
  const int c = image.channels;
  std::vector<double> sum(c, 0.0);
  size_t visible = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      if (removed_at(mask, grid_w, patch_size, x, y))
        continue;
      const uint8_t* px = image.row(y) + static_cast<size_t>(x) * c;
      for (int k = 0; k < c; ++k)
        sum[k] += px[k];
      ++visible;
    }
  std::vector<uint8_t> fill(c, 128);
  if (visible > 0)
    for (int k = 0; k < c; ++k)
      fill[k] = static_cast<uint8_t>(sum[k] / static_cast<double>(visible) + 0.5);
  Image out = image;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      if (removed_at(mask, grid_w, patch_size, x, y))
        for (int k = 0; k < c; ++k)
          out.row(y)[static_cast<size_t>(x) * c + k] = fill[k];
  return out;
}

double masked_mse(const Image& a, const Image& b, const std::vector<uint8_t>& mask, int grid_h,
                  int grid_w, int patch_size) {
  check_geometry(a, mask, grid_h, grid_w, patch_size, "masked_mse");
  if (b.width != a.width || b.height != a.height || b.channels != a.channels)
    throw ImageError("masked_mse: the two images differ in size or channels");
  double sum = 0;
  size_t count = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      if (!removed_at(mask, grid_w, patch_size, x, y))
        continue;
      const size_t off = static_cast<size_t>(x) * a.channels;
      for (int k = 0; k < a.channels; ++k) {
        const double d = (a.row(y)[off + k] - b.row(y)[off + k]) / 255.0;
        sum += d * d;
      }
      count += a.channels;
    }
  return count > 0 ? sum / static_cast<double>(count) : 0.0;
}

} // namespace mae
