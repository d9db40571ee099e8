#include "data/png_encode.h"

#include "base/errors.h"
#include "data/png_mark.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace mae {

std::string encode_png(const Image& image) {
  if (image.empty() || (image.channels != 1 && image.channels != 3))
    throw ImageError("PNG encoding needs a gray or RGB picture");
  const cv::Mat m(image.height, image.width, image.channels == 1 ? CV_8UC1 : CV_8UC3,
                  const_cast<uint8_t*>(image.pixels.data()));
  // Into a new buffer: `m` wraps the caller's pixels, which stay as they were.
  cv::Mat bgr;
  if (image.channels == 3)
    cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
  else
    bgr = m;
  std::vector<uint8_t> bytes;
  try {
    if (!cv::imencode(".png", bgr, bytes))
      throw ImageError("PNG encoding failed");
  } catch (const cv::Exception& e) {
    throw ImageError(std::string("PNG encoding failed: ") + e.what());
  }
  return mark_png(std::string(bytes.begin(), bytes.end()));
}

} // namespace mae
