#include "model/masking_types.h"

#include "base/errors.h"

#include <algorithm>

namespace mae {

const char* to_string(MaskStrategy s) {
  switch (s) {
  case MaskStrategy::Random:
    return "random";
  case MaskStrategy::Block:
    return "block";
  case MaskStrategy::Grid:
    return "grid";
  case MaskStrategy::Custom:
    return "custom";
  }
  return "?";
}

MaskStrategy parse_mask_strategy(const std::string& name) {
  if (name == "random")
    return MaskStrategy::Random;
  if (name == "block")
    return MaskStrategy::Block;
  if (name == "grid")
    return MaskStrategy::Grid;
  throw UsageError("unknown masking strategy '" + name + "' (use random, block or grid)");
}

int64_t num_kept(int64_t num_patches, double ratio) {
  return static_cast<int64_t>(static_cast<double>(num_patches) * (1.0 - ratio));
}

int64_t MaskSettings::num_kept(int64_t num_patches) const {
  if (strategy == MaskStrategy::Custom)
    return static_cast<int64_t>(std::count(custom.begin(), custom.end(), uint8_t{0}));
  return mae::num_kept(num_patches, ratio);
}

void MaskSettings::validate(int64_t num_patches) const {
  if (strategy != MaskStrategy::Custom) {
    if (!(ratio >= 0.0 && ratio < 1.0))
      throw UsageError("mask ratio must be in [0, 1), got " + std::to_string(ratio));
    return;
  }
  if (static_cast<int64_t>(custom.size()) != num_patches)
    throw UsageError("the custom mask has " + std::to_string(custom.size()) +
                     " patches, the image " + std::to_string(num_patches));
  if (num_kept(num_patches) == 0)
    throw UsageError("the custom mask removes every patch: keep at least one");
}

} // namespace mae
