#include "testing/screenshot.h"

#include "gl/gl.h"

#include <algorithm>
#include <cstring>

namespace mae::studio {

Image read_back_buffer(int width, int height) {
  Image out(width, height, 3);
  std::vector<uint8_t> rows(out.pixels.size());
  glFinish();
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, rows.data());
  // GL's origin is the bottom-left corner.
  const size_t stride = static_cast<size_t>(width) * 3;
  for (int y = 0; y < height; ++y)
    std::memcpy(out.row(y), rows.data() + static_cast<size_t>(height - 1 - y) * stride, stride);
  return out;
}

} // namespace mae::studio
