// The classic ViT position-embedding figure (Dosovitskiy et al. 2021, Fig. 7
// centre): for every patch position a small map of its embedding's cosine
// similarity with every position, tiled on the grid. `mae posembed` writes it.
#pragma once

#include "data/image.h"
#include "eval/pos_embed_grid.h"

#include <string>

namespace mae {

// The largest patch grid drawn (a tile per position: 64x64 makes ~8,000 px a side).
constexpr int kMostPosEmbedGrid = 64;

// grid_h x grid_w tiles, the tile at (row, column) showing that patch's row of
// the similarity; colours (viridis) from the grid's lowest similarity to 1; a
// title and a caption.
Image pos_embed_figure(const PosEmbedGrid& grid, const std::string& model_label);

} // namespace mae
