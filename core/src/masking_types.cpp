#include "mae/masking_types.h"

#include "mae/errors.h"

namespace mae {

const char* to_string(MaskStrategy s) {
  switch (s) {
  case MaskStrategy::Random:
    return "random";
  case MaskStrategy::Block:
    return "block";
  case MaskStrategy::Grid:
    return "grid";
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

} // namespace mae
