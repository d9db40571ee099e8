// The MAE paper's fine-tuning model (models_vit.py with global_pool): a
// pre-trained encoder over every patch, the patch tokens averaged, then a
// new LayerNorm (fc_norm) and a linear head. One difference: the encoder's
// own final norm is kept before the pooling (the official model drops it and
// relies on fc_norm alone); a second LayerNorm changes little and keeps the
// encoder the very module that was pre-trained. Its position embedding,
// fixed in pre-training, is learnt here, as in the official fine-tuning.
#pragma once

#include "model/mae_model.h"

#include <torch/nn/modules/linear.h>

namespace mae {

class ViTClassifierImpl : public torch::nn::Module {
public:
  // Copies the encoder of `pretrained` (its decoder, if any, is left out).
  // `drop_path` is the stochastic-depth rate of the last block, the others
  // rising linearly from 0 (timm's schedule).
  ViTClassifierImpl(MaskedAutoencoderViT& pretrained, int64_t num_classes, double drop_path);

  // [B, C, H, W] normalised images -> [B, num_classes] logits.
  torch::Tensor forward(const torch::Tensor& imgs);

  // Restarts the drop-path draws (the classifier's own CPU generator): a
  // fine-tune seeds each step and rank, so a resume needs no saved state.
  void seed_drop_path(uint64_t seed);

  MaskedAutoencoderViT encoder{nullptr};
  torch::nn::LayerNorm fc_norm{nullptr};
  torch::nn::Linear head{nullptr};

private:
  at::Generator drop_gen_;
};
TORCH_MODULE(ViTClassifier);

} // namespace mae
