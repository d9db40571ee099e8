// Which patches the encoder sees. Every strategy removes exactly
// L - num_kept(L, ratio) patches, so shapes are static for a given ratio.
//
// All strategies are expressed as a per-patch score ("noise" in the official
// code): the encoder keeps the num_kept lowest-scoring patches, exactly as
// facebookresearch/mae's random_masking does with argsort(noise).
#pragma once

#include "model/masking_types.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace mae {

// Scores [batch, grid_h*grid_w] float32 on the CPU, lowest kept; the same
// settings give the same masks. Random: uniform noise; block: BEiT block-wise
// masking; grid: a regular lattice of kept patches; custom: the given mask for
// every row. Throws UsageError for invalid settings.
torch::Tensor mask_scores(const MaskSettings& settings, int64_t batch, int64_t grid_h,
                          int64_t grid_w);

// A single grid_h x grid_w block mask (1 = removed), row-major.
std::vector<uint8_t> block_mask(int64_t grid_h, int64_t grid_w, int64_t num_masked, uint64_t seed);

struct MaskPlan {
  torch::Tensor ids_keep;    // [B, keep] int64, the patches the encoder sees
  torch::Tensor ids_restore; // [B, L] int64, argsort of the shuffle
  torch::Tensor mask;        // [B, L] float, 1 = removed
};

// The official shuffle: ids_shuffle = argsort(scores), the first `keep` kept.
MaskPlan plan_from_scores(const torch::Tensor& scores, int64_t keep);

} // namespace mae
