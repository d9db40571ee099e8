// Pre-norm transformer block of timm's ViT, as the official MAE uses it:
// x + attn(norm1(x)), then x + mlp(norm2(x)); fused qkv with bias, exact GELU.
// Submodule names match the official state-dict keys.
#pragma once

#include "model/add_layer_norm.h"
#include "model/linear.h"

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/normalization.h>

namespace mae {

class AttentionImpl : public torch::nn::Module {
public:
  AttentionImpl(int64_t dim, int64_t num_heads);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t num_heads() const { return num_heads_; }
  double scale() const { return scale_; }
  // Where forward stores its weights softmax(q k^T * scale) [B, H, N, N], detached; while set,
  // forward runs the math path whatever the LibTorch version. nullptr (the default) is the fast
  // path. Set and cleared by AttentionRecorder (model/attention_recorder.h).
  void record_into(torch::Tensor* weights) { record_into_ = weights; }

  Linear qkv{nullptr}, proj{nullptr};

private:
  int64_t num_heads_;
  double scale_;
  torch::Tensor* record_into_ = nullptr;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
public:
  MlpImpl(int64_t dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);

  Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
public:
  BlockImpl(int64_t dim, int64_t num_heads, int64_t mlp_hidden, double eps);
  // `in.normed` is norm1(in.stream), computed by whatever added the stream's
  // last residual. Each of this block's residual adds runs as one op with the
  // LayerNorm that reads its sum: norm2, then `next_norm` (the next block's
  // norm1, or the stack's final norm).
  Residual forward(const Residual& in, torch::nn::LayerNorm next_norm);

  // Stochastic depth (fine-tuning): in training, each sample skips each of the
  // block's two branches with probability `rate`, the kept ones scaled by
  // 1 / (1 - rate), as timm's DropPath. 0 (the default) is the plain block.
  // The draws come from `gen` (a CPU generator) where given, so that a
  // fine-tune can reseed them every step; else from the default generator.
  void set_drop_path(double rate, at::Generator gen = {}) {
    drop_path_ = rate;
    drop_gen_ = std::move(gen);
  }

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  Attention attn{nullptr};
  Mlp mlp{nullptr};

private:
  torch::Tensor drop_path(const torch::Tensor& delta) const;
  double drop_path_ = 0;
  at::Generator drop_gen_;
};
TORCH_MODULE(Block);

} // namespace mae
