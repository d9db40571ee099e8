#include "mae/eval_preview.h"

#include "mae/augment.h"
#include "mae/masking.h"

#include <torch/torch.h>

#include <cstring>

namespace mae {
namespace {

Image to_image(const torch::Tensor& chw01) {
  const auto t = chw01.clamp(0.0, 1.0)
                     .mul(255.0)
                     .round()
                     .to(torch::kUInt8)
                     .permute({1, 2, 0})
                     .contiguous()
                     .cpu();
  Image out(static_cast<int>(t.size(1)), static_cast<int>(t.size(0)), static_cast<int>(t.size(2)));
  std::memcpy(out.pixels.data(), t.data_ptr<uint8_t>(), out.pixels.size());
  return out;
}

} // namespace

std::vector<ReconstructionPreview> reconstruct_previews(MaskedAutoencoderViT& model,
                                                        const torch::Tensor& images01,
                                                        const Normalization& normalization,
                                                        MaskStrategy strategy, double ratio,
                                                        uint64_t seed) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const ModelConfig& c = model->config();
  const int64_t n = images01.size(0), g = c.grid_size(), p = c.patch_size;
  const auto x = normalize(images01, normalization);
  const MaeOutput out = model->forward(x, mask_scores(strategy, n, g, g, ratio, seed), ratio);
  auto pred = out.pred.to(torch::kFloat32);
  if (c.norm_pix_loss) {
    const auto target = model->patchify(x);
    pred = pred * (target.var(-1, true, true) + 1e-6).sqrt() + target.mean(-1, true);
  }
  const auto mean = torch::tensor(normalization.mean, x.options()).view({1, -1, 1, 1});
  const auto std = torch::tensor(normalization.std, x.options()).view({1, -1, 1, 1});
  const auto recon01 = model->unpatchify(pred, g, g) * std + mean;
  const auto removed = model->unpatchify(
      out.mask.to(torch::kFloat32).unsqueeze(-1).expand({-1, -1, p * p * c.in_chans}), g, g);
  const auto masked01 = images01 * (1 - removed) + 0.5 * removed;
  const auto mixed01 = images01 * (1 - removed) + recon01 * removed;
  model->train(was_training);
  std::vector<ReconstructionPreview> previews;
  for (int64_t i = 0; i < n; ++i)
    previews.push_back({to_image(masked01[i]), to_image(mixed01[i]), to_image(images01[i])});
  return previews;
}

} // namespace mae
