#include "model/pos_embed.h"

#include "base/errors.h"

#include <torch/torch.h>

#include <cmath>

namespace mae {
namespace {

// [n, dim] embedding of positions `pos` (float64): [sin | cos].
torch::Tensor sincos_1d(int64_t dim, const torch::Tensor& pos) {
  auto omega = torch::arange(dim / 2, torch::kFloat64) / (dim / 2.0);
  omega = 1.0 / torch::pow(10000.0, omega);
  auto out = torch::outer(pos.reshape({-1}), omega);
  return torch::cat({torch::sin(out), torch::cos(out)}, 1);
}

} // namespace

torch::Tensor sincos_pos_embed_2d(int64_t dim, int64_t grid_h, int64_t grid_w, bool cls_token) {
  if (dim % 4 != 0)
    throw ConfigError("position embedding width must be a multiple of 4");
  // Computed in float64 like the numpy reference, then rounded once.
  auto ys = torch::arange(grid_h, torch::kFloat64).view({grid_h, 1}).expand({grid_h, grid_w});
  auto xs = torch::arange(grid_w, torch::kFloat64).view({1, grid_w}).expand({grid_h, grid_w});
  auto emb = torch::cat({sincos_1d(dim / 2, xs), sincos_1d(dim / 2, ys)}, 1);
  if (cls_token)
    emb = torch::cat({torch::zeros({1, dim}, torch::kFloat64), emb}, 0);
  return emb.to(torch::kFloat32).unsqueeze(0);
}

torch::Tensor interpolate_pos_embed(const torch::Tensor& pos, int64_t grid_h, int64_t grid_w) {
  const int64_t n = pos.size(1) - 1;
  const int64_t dim = pos.size(2);
  const auto g = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  if (g * g != n)
    throw ConfigError("position embedding table of " + std::to_string(n) + " rows is not square");
  if (g == grid_h && g == grid_w)
    return pos;
  namespace F = torch::nn::functional;
  auto grid = pos.slice(1, 1).reshape({1, g, g, dim}).permute({0, 3, 1, 2});
  grid = F::interpolate(grid, F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{grid_h, grid_w})
                                  .mode(torch::kBicubic)
                                  .align_corners(false));
  grid = grid.permute({0, 2, 3, 1}).reshape({1, grid_h * grid_w, dim});
  return torch::cat({pos.slice(1, 0, 1), grid}, 1);
}

} // namespace mae
