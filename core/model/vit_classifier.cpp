#include "model/vit_classifier.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <mutex>

namespace mae {

ViTClassifierImpl::ViTClassifierImpl(MaskedAutoencoderViT& pretrained, int64_t num_classes,
                                     double drop_path) {
  const ModelConfig& c = pretrained->config();
  encoder = register_module("encoder", MaskedAutoencoderViT(c, /*with_decoder=*/false,
                                                            /*initialize=*/false));
  {
    torch::NoGradGuard no_grad;
    const auto source = pretrained->named_parameters();
    for (auto& p : encoder->named_parameters())
      p.value().copy_(source[p.key()]);
    const auto source_buffers = pretrained->named_buffers();
    for (auto& b : encoder->named_buffers())
      b.value().copy_(source_buffers[b.key()]);
  }
  // Fixed in pre-training, learnt in fine-tuning: timm's ViT, which the
  // official fine-tuning builds, makes it a trainable parameter (no decay).
  encoder->pos_embed.set_requires_grad(true);
  const size_t depth = encoder->blocks->size();
  drop_gen_ = at::make_generator<at::CPUGeneratorImpl>(c10::default_rng_seed_val);
  for (size_t i = 0; i < depth; ++i)
    encoder->blocks[i]->as<Block>()->set_drop_path(
        depth > 1 ? drop_path * static_cast<double>(i) / static_cast<double>(depth - 1) : 0.0,
        drop_gen_);
  fc_norm = register_module(
      "fc_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim}).eps(1e-6)));
  head = register_module("head", torch::nn::Linear(c.embed_dim, num_classes));
  torch::NoGradGuard no_grad;
  // The official head starts near zero: trunc_normal_(std=2e-5), whose
  // bounds (+-2, absolute) leave it a plain normal; zero bias.
  head->weight.normal_(0.0, 2e-5);
  head->bias.zero_();
  to(pretrained->cls_token.device());
}

void ViTClassifierImpl::seed_drop_path(uint64_t seed) {
  std::lock_guard<std::mutex> lock(drop_gen_.mutex());
  drop_gen_.set_current_seed(seed);
}

torch::Tensor ViTClassifierImpl::forward(const torch::Tensor& imgs) {
  const auto tokens = encoder->forward_features(imgs);
  return head(fc_norm(tokens.slice(1, 1).mean(1)));
}

} // namespace mae
