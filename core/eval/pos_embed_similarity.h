// Cosine similarity between the position embeddings of every pair of patches
// (Dosovitskiy et al. 2021, Fig. 7 centre), for the encoder and the decoder.
#pragma once

#include "eval/pos_embed_grid.h"
#include "model/mae_model.h"

#include <torch/types.h>

namespace mae {

// `pos` [1, 1 + L, D] (cls row first, as pos_embed) or [L, D]: the [L, L]
// cosine similarities of the patch rows, float32. Symmetric, 1 on the diagonal
// (0 for an all-zero row).
torch::Tensor pos_embed_similarity(const torch::Tensor& pos);

// The model's table for `stack` on its own grid (img_size / patch_size per side).
// Throws UsageError for the decoder of an encoder-only model.
PosEmbedGrid pos_embed_grid(const MaskedAutoencoderViT& model, AttentionStack stack);

} // namespace mae
