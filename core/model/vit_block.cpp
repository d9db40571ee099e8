#include "model/vit_block.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>

namespace mae {

AttentionImpl::AttentionImpl(int64_t dim, int64_t num_heads)
    : num_heads_(num_heads), scale_(1.0 / std::sqrt(static_cast<double>(dim / num_heads))) {
  qkv = register_module("qkv", Linear(dim, 3 * dim));
  proj = register_module("proj", Linear(dim, dim));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), N = x.size(1), C = x.size(2);
  // unbind over the q/k/v axis of the [B, N, 3, H, d] view: its backward is
  // one stack straight into the qkv gradient's layout, where indexing would
  // zero-fill and sum three full-size tensors, and unbinding a permuted view
  // would add a copy back.
  const auto parts = qkv(x).view({B, N, 3, num_heads_, C / num_heads_}).unbind(2);
  auto q = parts[0].transpose(1, 2), k = parts[1].transpose(1, 2), v = parts[2].transpose(1, 2);
  torch::Tensor out;
#if TORCH_VERSION_MAJOR >= 2
  // LibTorch picks a fused kernel (cuDNN, flash or memory-efficient); --attention overrides.
  if (record_into_ == nullptr)
    out = at::scaled_dot_product_attention(q, k, v);
#endif
  // The math path: LibTorch 1.13's only one, and the one that can show its weights.
  if (!out.defined()) {
    const auto attn = torch::matmul(q * scale_, k.transpose(-2, -1)).softmax(-1);
    if (record_into_ != nullptr)
      *record_into_ = attn.detach();
    out = torch::matmul(attn, v);
  }
  return proj(out.transpose(1, 2).reshape({B, N, C}));
}

MlpImpl::MlpImpl(int64_t dim, int64_t hidden) {
  fc1 = register_module("fc1", Linear(dim, hidden));
  fc2 = register_module("fc2", Linear(hidden, dim));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return fc2(torch::gelu(fc1(x)));
}

BlockImpl::BlockImpl(int64_t dim, int64_t num_heads, int64_t mlp_hidden, double eps) {
  norm1 =
      register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps)));
  attn = register_module("attn", Attention(dim, num_heads));
  norm2 =
      register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps)));
  mlp = register_module("mlp", Mlp(dim, mlp_hidden));
}

torch::Tensor BlockImpl::drop_path(const torch::Tensor& delta) const {
  if (!is_training() || drop_path_ <= 0)
    return delta;
  const double keep = 1.0 - drop_path_;
  std::vector<int64_t> shape(static_cast<size_t>(delta.dim()), 1);
  shape[0] = delta.size(0);
  if (!drop_gen_.defined()) {
    const auto kept = torch::empty(shape, delta.options()).bernoulli_(keep);
    return delta * kept.div_(keep);
  }
  // A CPU generator draws on the CPU; the [B, 1, 1] mask then moves.
  const auto kept = torch::empty(shape, torch::kFloat32).bernoulli_(keep, drop_gen_);
  return delta * kept.div_(keep).to(delta.options());
}

Residual BlockImpl::forward(const Residual& in, torch::nn::LayerNorm next_norm) {
  const auto mid = add_layer_norm(in.stream, drop_path(attn(in.normed)), norm2);
  return add_layer_norm(mid.stream, drop_path(mlp(mid.normed)), next_norm);
}

} // namespace mae
