// What the window shows, read back for the headless test mode's --screenshot.
#pragma once

#include "data/image.h"

namespace mae::studio {

// The back buffer after this frame was rendered (call before swapping), RGB,
// top row first.
Image read_back_buffer(int width, int height);

} // namespace mae::studio
