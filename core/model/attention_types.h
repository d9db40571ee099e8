// Attention vocabulary shared by torch-free code (CLI parsing, GUI controls):
// which stack, layer, head and query token an attention map is read from.
#pragma once

#include "model/model_config.h"

#include <cstdint>
#include <string>

namespace mae {

// Encoder: attention over the visible tokens (cls + kept patches). Decoder: over
// all tokens (cls + every patch, removed ones as the mask token).
enum class AttentionStack { Encoder, Decoder };

const char* to_string(AttentionStack s);
// "encoder" | "decoder"; throws UsageError otherwise.
AttentionStack parse_attention_stack(const std::string& name);

// What to read from one forward pass. Indices are 0-based.
struct AttentionQuery {
  static constexpr int64_t kMeanOfHeads = -1; // `head`: the mean over heads
  static constexpr int64_t kClsToken = -1;    // `patch`: the cls token asks
  // `layer`: the stack's last block, named before the model is known;
  // resolved_layer() gives its index, which is what the model is asked for.
  static constexpr int64_t kLastLayer = -1;

  AttentionStack stack = AttentionStack::Encoder;
  // The block whose attention is shown; with `rollout`, the last block the
  // rollout runs through (from the stack's first block).
  int64_t layer = 0;
  int64_t head = kMeanOfHeads;
  // Row-major patch index of the query (the token whose attention row is
  // shown), or kClsToken.
  int64_t patch = kClsToken;
  // Attention rollout (Abnar & Zuidema 2020): heads averaged, the identity
  // added for the residual, rows renormalised, multiplied through the layers.
  bool rollout = false;

  // The number of blocks and of heads in the chosen stack of a model of this config.
  int64_t stack_depth(const ModelConfig& config) const;
  int64_t stack_heads(const ModelConfig& config) const;
  // `layer`, with kLastLayer replaced by the stack's last block.
  int64_t resolved_layer(const ModelConfig& config) const;

  // Throws UsageError naming the argument (layer, head, patch) and its valid
  // range for a model of this config with `num_patches` patches, or a decoder
  // query on a model without one.
  void validate(const ModelConfig& config, bool has_decoder, int64_t num_patches) const;

  bool operator==(const AttentionQuery& o) const {
    return stack == o.stack && layer == o.layer && head == o.head && patch == o.patch &&
           rollout == o.rollout;
  }
};

} // namespace mae
