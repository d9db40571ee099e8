// One attention map on the patch grid, torch-free for the CLI and the app:
// where a query token (a patch or cls) attends in one layer and head, or
// through the attention rollout.
#pragma once

#include "model/attention_types.h"

#include <cstdint>
#include <vector>

namespace mae {

struct AttentionMap {
  AttentionQuery query;
  int grid_h = 0, grid_w = 0;
  // grid_h * grid_w, row-major: the query's attention to each patch's token; 0
  // where the patch is not visible (removed patches, for the encoder).
  std::vector<float> weights;
  std::vector<uint8_t> visible; // 1 = the patch is a token of the stack
  float cls_weight = 0;         // the query's attention to the cls token
  int64_t num_tokens = 0;       // N: cls + the stack's patch tokens
  int64_t num_heads = 0;
  double inference_ms = 0; // the forward pass that recorded it, and the map
};

} // namespace mae
