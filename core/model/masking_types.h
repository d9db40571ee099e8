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

// Official len_keep = int(L * (1 - ratio)): random and block masking remove
// exactly L - num_kept(L, ratio) patches.
int64_t num_kept(int64_t num_patches, double ratio);

// Grid masking keeps a regular lattice of rows x cols patches: the one whose
// count comes closest to the ratio's, with cells near square. At 0.75 on an
// even grid that is one patch of every 2x2, as the paper's Fig. 6; at other
// ratios the applied ratio can differ a little from the one asked for.
struct GridLattice {
  int64_t rows = 1, cols = 1;
  int64_t kept() const { return rows * cols; }
};
GridLattice grid_lattice(int64_t grid_h, int64_t grid_w, double ratio);

// The largest mask seed a user may give: a random mask's generator (PyTorch's
// CPU mt19937, as in the official code) keeps a seed's low 32 bits, so seeds
// 2^32 apart would give one mask. Training's derived seeds are not checked.
constexpr uint64_t kMaxMaskSeed = 0xFFFFFFFFu;

// Which patches a reconstruction, a preview or a training batch removes. The
// ratio is given here once; the kept count follows from it.
struct MaskSettings {
  MaskStrategy strategy = MaskStrategy::Random;
  double ratio = 0.75;
  uint64_t seed = 0;
  // Custom strategy: 1 = removed, one entry per patch, row-major. Its zeros
  // are the kept patches; `ratio` is then unused.
  std::vector<uint8_t> custom;

  // Patches the encoder sees out of a grid_h x grid_w patch grid.
  int64_t num_kept(int64_t grid_h, int64_t grid_w) const;
  // num_kept for a forward pass, which needs one patch at least: a ratio
  // that keeps none throws UsageError naming the largest that keeps one.
  int64_t encoder_keeps(int64_t grid_h, int64_t grid_w) const;
  // The share of patches removed: the ratio, except for grid and custom masks.
  double applied_ratio(int64_t grid_h, int64_t grid_w) const;
  // "grid, ratio 0.60 (applied 0.59)": the applied ratio only where it differs.
  std::string describe(int64_t grid_h, int64_t grid_w) const;
  // Throws UsageError: a ratio outside [0, 1), a custom mask that does not
  // have `num_patches` entries or keeps none.
  void validate(int64_t num_patches) const;

  // The same settings give the same mask: what a request cache compares.
  bool operator==(const MaskSettings& o) const {
    return strategy == o.strategy && ratio == o.ratio && seed == o.seed && custom == o.custom;
  }
  bool operator!=(const MaskSettings& o) const { return !(*this == o); }
};

} // namespace mae
