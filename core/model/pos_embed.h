// Fixed 2D sin-cos position embeddings as in facebookresearch/mae
// (util/pos_embed.py) and their bicubic resampling for other input sizes.
#pragma once

#include <torch/types.h>

namespace mae {

// [1, 1 + gh*gw, dim] float32 with a zero row for the cls token (when
// `cls_token`). Row-major over the grid; each row is
// [sin x | cos x | sin y | cos y] with x the column index and frequencies
// 1 / 10000^(i / (dim/4)).
torch::Tensor sincos_pos_embed_2d(int64_t dim, int64_t grid_h, int64_t grid_w,
                                  bool cls_token = true);

// Resamples a [1, 1 + g*g, D] table (cls row first) to a grid_h x grid_w grid
// with bicubic interpolation (align_corners=false), as HuggingFace's
// interpolate_pos_encoding does. Returns `pos` itself when the grid matches.
torch::Tensor interpolate_pos_embed(const torch::Tensor& pos, int64_t grid_h, int64_t grid_w);

} // namespace mae
