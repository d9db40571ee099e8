#include "eval/pos_embed_figure.h"

#include "base/errors.h"
#include "eval/colormap.h"
#include "eval/figure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mae {
namespace {

constexpr int kGap = 2;          // white between tiles
constexpr int kTargetSide = 640; // about this many pixels of tiles per side

} // namespace

Image pos_embed_figure(const PosEmbedGrid& grid, const std::string& model_label) {
  const int gh = grid.grid_h, gw = grid.grid_w;
  const size_t L = static_cast<size_t>(gh) * gw;
  if (gh <= 0 || gw <= 0 || grid.similarity.size() != L * L)
    throw ImageError("position-embedding figure: the similarity does not match its grid");
  const int cell = std::max(2, kTargetSide / static_cast<int>(std::max(gh, gw) * std::max(gh, gw)));
  const int tile_w = gw * cell, tile_h = gh * cell;
  const int side = std::max(gw * (tile_w + kGap), gh * (tile_h + kGap)) + kGap;
  // As the classic figure: colours from the grid's lowest similarity to 1 (sin-cos tables
  // never go far below 0, and a fixed -1..1 scale would wash them out).
  float lo = 0.99f;
  bool any_finite = false;
  for (const float v : grid.similarity)
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      any_finite = true;
    }
  if (!any_finite)
    throw ImageError("position-embedding figure: no similarity is finite (the model's " +
                     std::string(to_string(grid.stack)) +
                     " position embeddings hold NaN or infinite values)");
  Image canvas(side, side, 3, 255);
  for (size_t patch = 0; patch < L; ++patch) {
    const std::vector<float> row(grid.similarity.begin() + patch * L,
                                 grid.similarity.begin() + (patch + 1) * L);
    const Image tile = colorize(row, gw, gh, lo, 1.0f, Colormap::Viridis);
    const int x0 = kGap + static_cast<int>(patch % gw) * (tile_w + kGap);
    const int y0 = kGap + static_cast<int>(patch / gw) * (tile_h + kGap);
    for (int y = 0; y < tile_h; ++y)
      for (int x = 0; x < tile_w; ++x) {
        const uint8_t* src =
            tile.pixels.data() + (static_cast<size_t>(y / cell) * gw + x / cell) * 3;
        std::copy(src, src + 3, canvas.row(y0 + y) + static_cast<size_t>(x0 + x) * 3);
      }
  }
  const char* stack = to_string(grid.stack);
  char title[128], line1[256], line2[256], line3[128];
  std::snprintf(title, sizeof title, "%s position embeddings: cosine similarity", stack);
  std::snprintf(line1, sizeof line1, "%s | %s, %dx%d grid", model_label.c_str(),
                grid.stack == AttentionStack::Encoder ? "pos_embed" : "decoder_pos_embed", gh, gw);
  std::snprintf(line2, sizeof line2, "tile (r, c): patch (r, c) against every position");
  std::snprintf(line3, sizeof line3, "colour: %.2f (dark, the lowest) to 1 (yellow)",
                static_cast<double>(lo));
  return compose_figure({{canvas, title}}, {line1, line2, line3}, side);
}

} // namespace mae
