// Layer-wise learning-rate decay of the MAE fine-tuning recipe (BEiT's, the
// official util/lr_decay.py): the head trains at the full rate and each layer
// below it at `decay` times the one above, so that the pre-trained early
// layers move least. Layer ids: cls token, position embedding and patch
// embedding 0; block i is i + 1; the final norms and the head depth + 1.
// Weight decay applies to matrices only (not biases, norms or tokens).
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mae {

// The layer id of a ViTClassifier parameter name ("encoder.blocks.3.attn.qkv.weight" -> 4).
int64_t vit_layer_id(const std::string& name, int64_t depth);

struct LayerGroup {
  int64_t layer = 0;
  double lr_scale = 1;     // decay^(depth + 1 - layer)
  double weight_decay = 0; // 0 for 1-D parameters and tokens
  std::vector<std::string> names;
  std::vector<torch::Tensor> params;
};

// The trainable parameters (requires_grad) of `model` grouped by layer and
// by decay / no decay, in layer order.
std::vector<LayerGroup> layer_decay_groups(const torch::nn::Module& model, int64_t depth,
                                           double decay, double weight_decay);

} // namespace mae
