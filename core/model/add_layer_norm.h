// The residual add of a transformer block and the LayerNorm that follows it,
// as one op: (x + delta, LayerNorm(x + delta)). With --fused-norm on a CUDA
// device, bf16 autocast branches run it as one kernel that also writes the
// normalised rows in bfloat16 for the next matrix product (ATen's LayerNorm
// writes float32 that autocast then casts), and one kernel backward. Elsewhere
// it is ATen's add and LayerNorm, bit for bit the model's plain path.
#pragma once

#include "model/fused_norm.h"

#include <torch/nn/modules/normalization.h>
#include <torch/types.h>

namespace mae {

struct Residual {
  torch::Tensor stream; // x + delta, the residual stream (float32)
  torch::Tensor normed; // LayerNorm of the stream
};

// `delta` may be undefined (no add).
Residual add_layer_norm(const torch::Tensor& x, const torch::Tensor& delta,
                        torch::nn::LayerNorm norm);

// The fused op with its own backward: the CUDA kernels for a float32 stream and
// bfloat16 delta on CUDA, else the same formulas in ATen ops. `normed` and
// delta's gradient have delta's dtype.
Residual add_layer_norm_fused(const torch::Tensor& x, const torch::Tensor& delta,
                              const torch::Tensor& weight, const torch::Tensor& bias, double eps);

} // namespace mae
