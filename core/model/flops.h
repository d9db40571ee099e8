// Model FLOPs of one MAE forward pass, counted from the architecture: matrix
// products (2 FLOPs per multiply-add) and attention scores and mixing;
// elementwise work is left out, as is usual for "model FLOP/s".
#pragma once

#include "model/model_config.h"

namespace mae {

// For one image at the config's size with `mask_ratio` of the patches removed.
// ViT-B/16 at 0.75: 19.6 GFLOP.
double mae_forward_flops(const ModelConfig& c, double mask_ratio);

// The encoder's blocks alone over `tokens` tokens (the cls token included):
// what masking saves, the encoder seeing 1 + kept tokens instead of 1 + L.
double encoder_blocks_flops(const ModelConfig& c, double tokens);

// Forward + backward of training counted as 3x the forward.
inline double mae_train_flops(const ModelConfig& c, double mask_ratio) {
  return 3.0 * mae_forward_flops(c, mask_ratio);
}

} // namespace mae
