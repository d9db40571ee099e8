// Masking vocabulary shared by torch-free code (CLI parsing, GUI controls).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mae {

// Custom: the patches a user chose (MaskSettings::custom).
enum class MaskStrategy { Random, Block, Grid, Custom };

const char* to_string(MaskStrategy s);
// "random" | "block" | "grid"; throws UsageError otherwise.
MaskStrategy parse_mask_strategy(const std::string& name);

// Official len_keep = int(L * (1 - ratio)): every strategy removes exactly
// L - num_kept(L, ratio) patches.
int64_t num_kept(int64_t num_patches, double ratio);

// Which patches a reconstruction, a preview or a training batch removes. The
// ratio is given here once; the kept count follows from it.
struct MaskSettings {
  MaskStrategy strategy = MaskStrategy::Random;
  double ratio = 0.75;
  uint64_t seed = 0;
  // Custom strategy: 1 = removed, one entry per patch, row-major. Its zeros
  // are the kept patches; `ratio` is then unused.
  std::vector<uint8_t> custom;

  // Patches the encoder sees out of `num_patches`.
  int64_t num_kept(int64_t num_patches) const;
  // Throws UsageError: a ratio outside [0, 1), a custom mask that does not
  // have `num_patches` entries or keeps none.
  void validate(int64_t num_patches) const;
};

} // namespace mae
