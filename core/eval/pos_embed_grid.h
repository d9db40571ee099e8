// The cosine similarity of a stack's position embeddings, torch-free for the
// CLI and the app: the classic ViT figure's numbers.
#pragma once

#include "model/attention_types.h"

#include <vector>

namespace mae {

struct PosEmbedGrid {
  AttentionStack stack = AttentionStack::Encoder; // pos_embed or decoder_pos_embed
  int grid_h = 0, grid_w = 0;
  // L x L row-major, L = grid_h * grid_w: cosine similarity of patch i's
  // position embedding with patch j's (the cls row left out).
  std::vector<float> similarity;
};

} // namespace mae
