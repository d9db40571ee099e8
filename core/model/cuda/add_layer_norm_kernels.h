// CUDA kernels behind mae::add_layer_norm_fused: the residual add, LayerNorm and
// the cast to bfloat16 in one pass over memory, and the matching backward.
// Plain pointers and no CUDA headers, so torch translation units can include
// this and nvcc compiles the kernels without torch. Rows are contiguous;
// bfloat16 tensors are passed as their 16-bit storage.
#pragma once

#include <cstdint>

namespace mae::cuda {

// Widest row the kernels take: each warp keeps a row in registers.
constexpr int kMaxNormCols = 1280;

struct AddLayerNormForward {
  const float* x;             // [rows, cols] residual stream
  const std::uint16_t* delta; // [rows, cols] bfloat16 branch output added to it
  const float* weight;        // [cols]
  const float* bias;          // [cols]
  float eps;
  std::int64_t rows;
  int cols;
  float* sum;            // [rows, cols] x + delta
  std::uint16_t* normed; // [rows, cols] bfloat16 LayerNorm(sum)
  float* mean;           // [rows]
  float* rstd;           // [rows]
};

struct AddLayerNormBackward {
  const std::uint16_t* d_normed; // [rows, cols] bfloat16
  const float* d_sum;            // [rows, cols], or null when the sum was not used further
  const float* sum;
  const float* mean;
  const float* rstd;
  const float* weight;
  std::int64_t rows;
  int cols;
  float* d_x;             // [rows, cols] gradient of x
  std::uint16_t* d_delta; // [rows, cols] the same gradient in bfloat16
  float* partials;        // [2, partial_rows, cols]: weight then bias gradient parts
};

// Rows of `partials` the backward writes; their sum over rows is the weight
// and bias gradient.
int add_layer_norm_partial_rows(std::int64_t rows, int cols);

// Launch on `stream` (a cudaStream_t). Throw std::runtime_error on a launch error.
void add_layer_norm_forward(const AddLayerNormForward& args, void* stream);
void add_layer_norm_backward(const AddLayerNormBackward& args, void* stream);

} // namespace mae::cuda
