// libFuzzer target: decode_image (OpenCV's decoders behind load_image) on
// arbitrary bytes. Only mae::Error may escape; a decoded image must be 8-bit
// gray or RGB with exactly width * height * channels bytes.
#include "base/errors.h"
#include "data/image_io.h"

#include <opencv2/core/utility.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace mae {
namespace {

void fuzz_one(const uint8_t* data, size_t size) {
  Image img;
  try {
    img = decode_image(data, size, "fuzz.img");
  } catch (const Error&) {
    return;
  }
  if ((img.channels != 1 && img.channels != 3) || img.width <= 0 || img.height <= 0 ||
      img.pixels.size() != static_cast<size_t>(img.width) * img.height * img.channels)
    std::abort();
}

} // namespace
} // namespace mae

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // One thread: the machine is shared, and reports stay deterministic.
  cv::setNumThreads(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mae::fuzz_one(data, size);
  return 0;
}
