// What a training step needs in memory at least, counted from the
// architecture: so that a batch no machine here could hold is refused with a
// message before anything is allocated, instead of dying in the allocator.
#pragma once

#include "model/model_config.h"

#include <cstdint>

namespace mae {

// Parameters of the whole MAE (encoder, decoder, position embeddings).
int64_t mae_parameter_count(const ModelConfig& c);

struct TrainMemory {
  double fixed_bytes = 0;     // weights, gradients and the two AdamW moments, float32
  double per_image_bytes = 0; // activations kept for the backward pass, per image
  double total(int64_t batch) const {
    return fixed_bytes + per_image_bytes * static_cast<double>(batch);
  }
};

// A lower bound (measured on CPU, float32: ViT-B/16 needs 1.13x it per image,
// ViT-Ti 1.46x): each block's input and output of every linear layer and norm,
// and its attention probabilities, over the tokens it sees.
TrainMemory mae_train_memory(const ModelConfig& c, double mask_ratio);

// Forward passes under no_grad (`fixed_bytes`: the float32 weights alone): a
// lower bound, the input twice (pixels and patches) and the largest one
// block's activations.
TrainMemory mae_forward_memory(const ModelConfig& c, double mask_ratio);

} // namespace mae
