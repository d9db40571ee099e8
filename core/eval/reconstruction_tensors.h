// From a forward pass back to pictures: shared by the explorer
// (Reconstructor) and the training previews.
#pragma once

#include "data/augment.h"
#include "data/image.h"
#include "eval/forward_trace.h"
#include "model/mae_model.h"

#include <torch/types.h>

namespace mae {

struct ReconstructionTensors {
  torch::Tensor recon01; // [B, C, H, W] the prediction in [0, 1] pixels (not clamped)
  torch::Tensor removed; // [B, C, H, W] 1 where the patch was removed
};

// `x` is the normalised input `out` came from. Norm-pix predictions are
// de-normalised with the true patches' mean and variance first.
ReconstructionTensors reconstruction_tensors(MaskedAutoencoderViT& model, const torch::Tensor& x,
                                             const MaeOutput& out,
                                             const NormalizationTensors& normalization);

// The How-it-works stages of `out` (batch 1): `x` is its normalised input,
// `scores` the masking scores it was given.
ForwardTrace forward_trace(MaskedAutoencoderViT& model, const torch::Tensor& x,
                           const torch::Tensor& scores, const MaeOutput& out);

// [C, H, W] (or [1, C, H, W]) in [0, 1] to an 8-bit image on the host.
Image image_from_tensor(const torch::Tensor& chw01);

} // namespace mae
