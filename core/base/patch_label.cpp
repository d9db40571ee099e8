#include "base/patch_label.h"

namespace mae {

std::string patch_label(int64_t patch, int64_t grid_w) {
  const int64_t w = grid_w > 0 ? grid_w : 1;
  return "patch " + std::to_string(patch) + " (row " + std::to_string(patch / w) + ", col " +
         std::to_string(patch % w) + ")";
}

} // namespace mae
