// A picture as PNG bytes in memory (TensorBoard's image summaries; write_png
// writes the same bytes to a file). OpenCV builds only.
#pragma once

#include "data/image.h"

#include <string>

namespace mae {

// Gray or RGB, marked as ours (png_mark.h); throws ImageError when the
// encoder fails.
std::string encode_png(const Image& image);

} // namespace mae
