// MAE Studio's mark in the PNGs it writes: a tEXt chunk "Software: MAE Studio"
// right after the header. A command asked to write over an existing PNG
// replaces its own figure without asking, and refuses the user's picture of
// the same name. Torch- and OpenCV-free.
#pragma once

#include <string>

namespace mae {

// `png` with the mark inserted after its IHDR chunk (unchanged when it is too
// short to be a PNG).
std::string mark_png(std::string png);

// True when `path` is a regular file starting like a PNG that mark_png
// marked; false for anything else, unreadable files included.
bool png_written_by_mae(const std::string& path);

} // namespace mae
