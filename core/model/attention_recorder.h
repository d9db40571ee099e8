// The real attention weights of a forward pass, for attention maps: while an
// AttentionRecorder lives, the blocks it records compute softmax(q k^T * scale)
// on the math path and keep it ([B, H, N, N], detached). Every other block, and
// every block once the recorder is gone, runs the fast path unchanged. One
// recorder per stack at a time: a second one on the same blocks takes them over.
#pragma once

#include "model/attention_types.h"
#include "model/mae_model.h"

#include <torch/types.h>

#include <vector>

namespace mae {

class AttentionRecorder {
public:
  // Records `layers` of `stack` (every block when empty). Throws UsageError for
  // a layer out of range or a decoder stack on an encoder-only model.
  AttentionRecorder(MaskedAutoencoderViT model, AttentionStack stack,
                    const std::vector<int64_t>& layers = {});
  ~AttentionRecorder();
  AttentionRecorder(const AttentionRecorder&) = delete;
  AttentionRecorder& operator=(const AttentionRecorder&) = delete;

  AttentionStack stack() const { return stack_; }
  int64_t depth() const { return static_cast<int64_t>(weights_.size()); }
  bool records(int64_t layer) const;
  // [B, H, N, N] of `layer` from the latest forward, each row summing to 1.
  // Throws UsageError when the layer is not recorded or no forward has run.
  const torch::Tensor& weights(int64_t layer) const;

private:
  MaskedAutoencoderViT model_;
  AttentionStack stack_;
  std::vector<Attention> recorded_; // one per block, null where not recorded
  std::vector<torch::Tensor> weights_;
};

} // namespace mae
