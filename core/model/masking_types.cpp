#include "model/masking_types.h"

#include "base/errors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

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

GridLattice grid_lattice(int64_t grid_h, int64_t grid_w, double ratio) {
  const double L = static_cast<double>(grid_h * grid_w), want = L * (1.0 - ratio);
  GridLattice best;
  double best_score = std::numeric_limits<double>::infinity();
  for (int64_t r = 1; r <= grid_h; ++r)
    for (int64_t c = 1; c <= grid_w; ++c) {
      // Off by patches first; then cells far from square, then uneven spacing.
      const double squareness =
          std::abs(std::log((static_cast<double>(grid_h) / r) / (static_cast<double>(grid_w) / c)));
      const double uneven = (grid_h % r != 0) + (grid_w % c != 0);
      const double score =
          std::abs(static_cast<double>(r * c) - want) / L + 0.02 * squareness + 0.002 * uneven;
      if (score < best_score)
        best_score = score, best = {r, c};
    }
  return best;
}

int64_t MaskSettings::num_kept(int64_t grid_h, int64_t grid_w) const {
  if (strategy == MaskStrategy::Custom)
    return static_cast<int64_t>(std::count(custom.begin(), custom.end(), uint8_t{0}));
  if (strategy == MaskStrategy::Grid)
    return grid_lattice(grid_h, grid_w, ratio).kept();
  return mae::num_kept(grid_h * grid_w, ratio);
}

int64_t MaskSettings::encoder_keeps(int64_t grid_h, int64_t grid_w) const {
  const int64_t kept = num_kept(grid_h, grid_w);
  if (kept >= 1)
    return kept;
  // Random and block masks keep L * (1 - ratio), rounded down.
  const auto L = static_cast<double>(grid_h * grid_w);
  const double most = std::floor((1.0 - 1.0 / L) * 1e4) / 1e4;
  char text[160];
  std::snprintf(text, sizeof text,
                "mask ratio %g removes all %lld patches: the encoder needs one to see (at most %g "
                "here)",
                ratio, static_cast<long long>(grid_h * grid_w), most);
  throw UsageError(text);
}

double MaskSettings::applied_ratio(int64_t grid_h, int64_t grid_w) const {
  const int64_t L = grid_h * grid_w;
  return L > 0 ? 1.0 - static_cast<double>(num_kept(grid_h, grid_w)) / static_cast<double>(L) : 0.0;
}

std::string MaskSettings::describe(int64_t grid_h, int64_t grid_w) const {
  char buf[96];
  if (strategy == MaskStrategy::Custom) {
    std::snprintf(buf, sizeof buf, "custom, ratio %.2f", applied_ratio(grid_h, grid_w));
    return buf;
  }
  const double applied = applied_ratio(grid_h, grid_w);
  if (std::abs(applied - ratio) < 0.005)
    std::snprintf(buf, sizeof buf, "%s, ratio %.2f", to_string(strategy), ratio);
  else
    std::snprintf(buf, sizeof buf, "%s, ratio %.2f (applied %.2f)", to_string(strategy), ratio,
                  applied);
  return buf;
}

void MaskSettings::validate(int64_t num_patches) const {
  if (strategy != MaskStrategy::Custom) {
    if (!(ratio >= 0.0 && ratio < 1.0)) {
      char text[64];
      std::snprintf(text, sizeof text, "mask ratio must be in [0, 1), got %g", ratio);
      throw UsageError(text);
    }
    return;
  }
  if (static_cast<int64_t>(custom.size()) != num_patches)
    throw UsageError("the custom mask has " + std::to_string(custom.size()) +
                     " patches, the image " + std::to_string(num_patches));
  if (std::count(custom.begin(), custom.end(), uint8_t{0}) == 0)
    throw UsageError("the custom mask removes every patch: keep at least one");
}

} // namespace mae
