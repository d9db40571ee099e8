#include "model/masking.h"

#include "base/errors.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace mae {
namespace {

using Rng = std::mt19937_64;

// Seeds per sample so that sample i's mask does not depend on the batch size.
Rng sample_rng(uint64_t seed, int64_t index) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(index), 0x6d61u};
  return Rng(seq);
}

double uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

int64_t uniform_int(Rng& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

int count_masked_neighbours(const std::vector<uint8_t>& m, int64_t gh, int64_t gw, int64_t r,
                            int64_t c) {
  int n = 0;
  if (r > 0)
    n += m[(r - 1) * gw + c];
  if (r + 1 < gh)
    n += m[(r + 1) * gw + c];
  if (c > 0)
    n += m[r * gw + c - 1];
  if (c + 1 < gw)
    n += m[r * gw + c + 1];
  return n;
}

// Whether unmasking patch i would leave a masked neighbour with no masked neighbour.
bool strands_neighbour(const std::vector<uint8_t>& m, int64_t gh, int64_t gw, int64_t i) {
  const int64_t r = i / gw, c = i % gw;
  const int64_t nb[4][2] = {{r - 1, c}, {r + 1, c}, {r, c - 1}, {r, c + 1}};
  for (const auto& q : nb) {
    if (q[0] < 0 || q[0] >= gh || q[1] < 0 || q[1] >= gw || !m[q[0] * gw + q[1]])
      continue;
    if (count_masked_neighbours(m, gh, gw, q[0], q[1]) == 1)
      return true;
  }
  return false;
}

// One BEiT step: mask a random rectangle of random area and aspect ratio that
// adds at most `budget` new patches. Returns how many were added.
int64_t add_block(std::vector<uint8_t>& m, int64_t gh, int64_t gw, int64_t budget, int64_t min_area,
                  Rng& rng) {
  const double log_aspect = std::log(1.0 / 0.3);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = uniform(rng, static_cast<double>(min_area), static_cast<double>(budget));
    const double aspect = std::exp(uniform(rng, -log_aspect, log_aspect));
    const auto h = static_cast<int64_t>(std::lround(std::sqrt(area * aspect)));
    const auto w = static_cast<int64_t>(std::lround(std::sqrt(area / aspect)));
    if (h < 1 || w < 1 || h > gh || w > gw)
      continue;
    // The rectangle may hang over the edge (clipped): every patch is then
    // covered equally often, instead of the centre by nearly every block.
    const int64_t top = uniform_int(rng, 1 - h, gh - 1), left = uniform_int(rng, 1 - w, gw - 1);
    const int64_t r0 = std::max<int64_t>(top, 0), r1 = std::min(top + h, gh);
    const int64_t c0 = std::max<int64_t>(left, 0), c1 = std::min(left + w, gw);
    if ((r1 - r0) * (c1 - c0) < min_area)
      continue;
    int64_t fresh = 0;
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t c = c0; c < c1; ++c)
        fresh += m[r * gw + c] == 0;
    if (fresh == 0 || fresh > budget)
      continue;
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t c = c0; c < c1; ++c)
        m[r * gw + c] = 1;
    return fresh;
  }
  return 0;
}

// Brings the count to exactly `target`, growing or shrinking at the mask's
// boundary so the blocks stay contiguous.
void adjust_count(std::vector<uint8_t>& m, int64_t gh, int64_t gw, int64_t target, Rng& rng) {
  int64_t count = std::accumulate(m.begin(), m.end(), int64_t{0});
  while (count != target) {
    const bool grow = count < target;
    std::vector<int64_t> best;
    int best_score = -1;
    for (int64_t i = 0; i < gh * gw; ++i) {
      if ((m[i] == 0) != grow)
        continue;
      const int nb = count_masked_neighbours(m, gh, gw, i / gw, i % gw);
      // Grow next to many masked patches; shrink where few masked ones touch,
      // never leaving a removed patch on its own.
      // Growing anywhere on the boundary, not into the holes with the most
      // removed neighbours first (that fills the centre every time).
      const int score =
          grow ? (nb > 0 ? 1 : 0) : 4 - nb - (strands_neighbour(m, gh, gw, i) ? 8 : 0);
      if (score > best_score)
        best.clear(), best_score = score;
      if (score == best_score)
        best.push_back(i);
    }
    const int64_t pick =
        best[static_cast<size_t>(uniform_int(rng, 0, static_cast<int64_t>(best.size()) - 1))];
    m[pick] = grow ? 1 : 0;
    count += grow ? 1 : -1;
  }
}

std::vector<uint8_t> block_mask_with(int64_t gh, int64_t gw, int64_t num_masked, Rng& rng) {
  const int64_t L = gh * gw;
  std::vector<uint8_t> m(static_cast<size_t>(L), 0);
  // BEiT uses 16 of 196 patches as the smallest block; scale that to the grid.
  const int64_t min_area = std::clamp<int64_t>(std::llround(0.08 * L), 1, 16);
  int64_t count = 0;
  // Blocks smaller than min_area would land as isolated specks: the last few
  // patches grow the existing blocks instead.
  while (num_masked - count >= min_area) {
    const int64_t added = add_block(m, gh, gw, num_masked - count, min_area, rng);
    if (added == 0)
      break;
    count += added;
  }
  adjust_count(m, gh, gw, num_masked, rng);
  return m;
}

// Positions of n evenly spaced lattice lines over `extent` cells, shifted by
// `phase` cells (phase < extent / n keeps them inside).
std::vector<int64_t> lattice_lines(int64_t extent, int64_t n, int64_t phase) {
  std::vector<int64_t> lines(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    lines[static_cast<size_t>(i)] = i * extent / n + phase;
  return lines;
}

// The lattice of grid_lattice, shifted by a seeded phase within one cell.
std::vector<uint8_t> grid_mask_with(int64_t gh, int64_t gw, const GridLattice& lattice, Rng& rng) {
  std::vector<uint8_t> m(static_cast<size_t>(gh * gw), 1);
  const auto row_pos = lattice_lines(gh, lattice.rows, uniform_int(rng, 0, gh / lattice.rows - 1));
  const auto col_pos = lattice_lines(gw, lattice.cols, uniform_int(rng, 0, gw / lattice.cols - 1));
  for (int64_t r : row_pos)
    for (int64_t c : col_pos)
      m[static_cast<size_t>(r * gw + c)] = 0;
  return m;
}

torch::Tensor scores_from_masks(const std::vector<std::vector<uint8_t>>& masks, int64_t L) {
  // Kept patches score below removed ones; ties broken by position so the
  // argsort is deterministic.
  auto scores = torch::empty({static_cast<int64_t>(masks.size()), L}, torch::kFloat32);
  auto acc = scores.accessor<float, 2>();
  for (size_t b = 0; b < masks.size(); ++b)
    for (int64_t i = 0; i < L; ++i)
      acc[static_cast<int64_t>(b)][i] = static_cast<float>(masks[b][static_cast<size_t>(i)]) +
                                        static_cast<float>(i) / static_cast<float>(2 * L);
  return scores;
}

} // namespace

std::vector<uint8_t> block_mask(int64_t grid_h, int64_t grid_w, int64_t num_masked, uint64_t seed) {
  Rng rng = sample_rng(seed, 0);
  return block_mask_with(grid_h, grid_w, num_masked, rng);
}

torch::Tensor mask_scores(const MaskSettings& settings, int64_t batch, int64_t grid_h,
                          int64_t grid_w) {
  const int64_t L = grid_h * grid_w;
  settings.validate(L);
  const int64_t keep = settings.num_kept(grid_h, grid_w);
  if (settings.strategy == MaskStrategy::Random) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(settings.seed);
    return torch::rand({batch, L}, gen, torch::kFloat32);
  }
  if (settings.strategy == MaskStrategy::Custom)
    return scores_from_masks(
        std::vector<std::vector<uint8_t>>(static_cast<size_t>(batch), settings.custom), L);
  const GridLattice lattice = grid_lattice(grid_h, grid_w, settings.ratio);
  std::vector<std::vector<uint8_t>> masks;
  for (int64_t b = 0; b < batch; ++b) {
    Rng rng = sample_rng(settings.seed, b);
    masks.push_back(settings.strategy == MaskStrategy::Block
                        ? block_mask_with(grid_h, grid_w, L - keep, rng)
                        : grid_mask_with(grid_h, grid_w, lattice, rng));
  }
  return scores_from_masks(masks, L);
}

MaskPlan plan_from_scores(const torch::Tensor& scores, int64_t keep) {
  const int64_t B = scores.size(0), L = scores.size(1);
  auto ids_shuffle = std::get<1>(scores.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false));
  MaskPlan plan;
  plan.ids_restore = std::get<1>(ids_shuffle.sort(/*stable=*/true, 1, false));
  plan.ids_keep = ids_shuffle.slice(1, 0, keep);
  auto mask = torch::ones({B, L}, scores.options());
  mask.slice(1, 0, keep).zero_();
  plan.mask = torch::gather(mask, 1, plan.ids_restore);
  return plan;
}

} // namespace mae
