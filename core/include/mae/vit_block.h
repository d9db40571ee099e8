// Pre-norm transformer block of timm's ViT, as the official MAE uses it:
// x + attn(norm1(x)), then x + mlp(norm2(x)); fused qkv with bias, exact GELU.
// Submodule names match the official state-dict keys.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace mae {

// ATen's linear, which fuses the bias into the matrix product for 3-D inputs
// too; the C++ frontend's Linear::forward adds it in a separate broadcast
// kernel (13 ms of an 80 ms ViT-B training step on an H200).
torch::Tensor linear(const torch::nn::Linear& layer, const torch::Tensor& x);

class AttentionImpl : public torch::nn::Module {
public:
  AttentionImpl(int64_t dim, int64_t num_heads);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear qkv{nullptr}, proj{nullptr};

private:
  int64_t num_heads_;
  double scale_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
public:
  MlpImpl(int64_t dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
public:
  BlockImpl(int64_t dim, int64_t num_heads, int64_t mlp_hidden, double eps);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  Attention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

} // namespace mae
