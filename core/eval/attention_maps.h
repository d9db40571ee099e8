// Attention maps from the real forward pass (model/attention_recorder.h):
// one layer and head (or the mean over heads), or the attention rollout, read
// for one query token and laid out on the patch grid.
#pragma once

#include "eval/attention_map.h"
#include "model/attention_types.h"
#include "model/mae_model.h"

#include <torch/types.h>

#include <vector>

namespace mae {

// Attention rollout (Abnar & Zuidema 2020) through `layers` ([B, H, N, N]
// each, first layer first): per layer the heads' mean plus the identity (the
// residual), rows renormalised; the product A_last ... A_first, [B, N, N].
// Every row sums to 1.
torch::Tensor attention_rollout(const std::vector<torch::Tensor>& layers);

// `images` [1, C, H, W] normalised as the model expects; `scores` [1, L] and
// `keep` choose the patches the encoder sees, as MaskedAutoencoderViT::forward
// takes them (mask_scores, MaskSettings::num_kept). Runs one forward through
// the query's stack (the encoder alone for encoder queries) recording only the
// layers it needs. Throws UsageError for an index out of range (naming layer,
// head or patch and the valid range) and for an encoder query on a removed
// patch, which the encoder never sees.
AttentionMap attention_map(MaskedAutoencoderViT& model, const torch::Tensor& images,
                           const torch::Tensor& scores, int64_t keep, const AttentionQuery& query);

} // namespace mae
