// How every view names a patch: its index in row-major order (what --patch
// takes) with its row and column, all counted from 0, so that a patch read
// off one tab is found again in another.
#pragma once

#include <cstdint>
#include <string>

namespace mae {

// "patch 31 (row 2, col 3)" on a grid `grid_w` patches wide.
std::string patch_label(int64_t patch, int64_t grid_w);

} // namespace mae
