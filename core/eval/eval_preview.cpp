#include "eval/eval_preview.h"

#include "data/augment.h"
#include "eval/reconstruction_tensors.h"
#include "model/masking.h"

#include <torch/torch.h>

namespace mae {

std::vector<ReconstructionPreview> reconstruct_previews(MaskedAutoencoderViT& model,
                                                        const torch::Tensor& images01,
                                                        const Normalization& normalization,
                                                        const MaskSettings& mask) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const ModelConfig& c = model->config();
  const int64_t count = images01.size(0), g = c.grid_size();
  const NormalizationTensors n(normalization, images01.options());
  const auto x = n.apply(images01);
  const MaeOutput out = model->forward(x, mask_scores(mask, count, g, g), mask.num_kept(g, g));
  const auto [recon01, removed] = reconstruction_tensors(model, x, out, n);
  const auto masked01 = images01 * (1 - removed) + 0.5 * removed;
  const auto mixed01 = images01 * (1 - removed) + recon01 * removed;
  model->train(was_training);
  std::vector<ReconstructionPreview> previews;
  for (int64_t i = 0; i < count; ++i)
    previews.push_back({image_from_tensor(masked01[i]), image_from_tensor(mixed01[i]),
                        image_from_tensor(images01[i])});
  return previews;
}

} // namespace mae
