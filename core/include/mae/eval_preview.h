// Live reconstructions for the GUI's training panel: fixed images, a fixed
// mask, the current weights.
#pragma once

#include "mae/mae_model.h"
#include "mae/masking_types.h"
#include "mae/model_info.h"
#include "mae/trainer.h"

#include <torch/types.h>

#include <vector>

namespace mae {

// `images01` [N, C, S, S] in [0, 1] on the model's device. Norm-pix models'
// predictions are de-normalised with each true patch's mean and variance.
std::vector<ReconstructionPreview> reconstruct_previews(MaskedAutoencoderViT& model,
                                                        const torch::Tensor& images01,
                                                        const Normalization& normalization,
                                                        MaskStrategy strategy, double ratio,
                                                        uint64_t seed);

} // namespace mae
