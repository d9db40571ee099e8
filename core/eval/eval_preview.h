// Live reconstructions for the GUI's training panel: fixed images, a fixed
// mask, the current weights.
#pragma once

#include "eval/reconstruction_preview.h"
#include "model/mae_model.h"
#include "model/masking_types.h"
#include "model/model_info.h"

#include <torch/types.h>

#include <vector>

namespace mae {

// `images01` [N, C, S, S] in [0, 1] on the model's device. Norm-pix models'
// predictions are de-normalised with each true patch's mean and variance.
std::vector<ReconstructionPreview> reconstruct_previews(MaskedAutoencoderViT& model,
                                                        const torch::Tensor& images01,
                                                        const Normalization& normalization,
                                                        const MaskSettings& mask);

} // namespace mae
