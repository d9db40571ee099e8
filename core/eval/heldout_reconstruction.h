// How well the weights fill in held-out pictures, while training runs: the
// masked-region MSE of `mae eval-recon` ([0,1] pixels, removed patches only)
// on fixed pictures and fixed masks, so that a run can keep its best weights
// rather than its last, and runs with the same data compare.
#pragma once

#include "model/mae_model.h"
#include "model/masking_types.h"
#include "model/model_info.h"

#include <torch/types.h>

#include <optional>
#include <vector>

namespace mae {

class HeldOutReconstruction {
public:
  // `images01` [N, C, S, S] in [0, 1] on the model's device. `masks` masks a
  // picture, drawn by `settings` (its strategy and ratio) with seeds 0..masks-1,
  // as `mae eval-recon --seeds` draws them.
  HeldOutReconstruction(torch::Tensor images01, const Normalization& normalization,
                        MaskSettings settings, int masks, int64_t patch_size);

  // The mean over pictures and masks of the model's masked-region MSE.
  double model_mse(MaskedAutoencoderViT& model) const;
  // The same for OpenCV's Telea inpainting of the same masks; nullopt where
  // the build has no OpenCV.
  std::optional<double> telea_mse() const;

  int64_t pictures() const { return images01_.size(0); }
  int masks() const { return static_cast<int>(scores_.size()); }

private:
  torch::Tensor images01_;
  Normalization normalization_;
  int64_t patch_size_, keep_;
  std::vector<torch::Tensor> scores_; // per mask: [N, L] on the CPU
};

} // namespace mae
