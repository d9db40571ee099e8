#include "eval/reconstruction_tensors.h"

#include <torch/torch.h>

#include <cstring>

namespace mae {

ReconstructionTensors reconstruction_tensors(MaskedAutoencoderViT& model, const torch::Tensor& x,
                                             const MaeOutput& out,
                                             const NormalizationTensors& normalization) {
  const ModelConfig& c = model->config();
  const int64_t p = c.patch_size, gh = x.size(2) / p, gw = x.size(3) / p;
  auto pred = out.pred.to(torch::kFloat32);
  if (c.norm_pix_loss) {
    // The decoder predicts normalised patches: undo it with the true patches' statistics.
    const auto target = model->patchify(x);
    pred = pred * (target.var(-1, true, true) + 1e-6).sqrt() + target.mean(-1, true);
  }
  ReconstructionTensors t;
  t.recon01 = model->unpatchify(pred, gh, gw) * normalization.std + normalization.mean;
  t.removed = model->unpatchify(
      out.mask.to(torch::kFloat32).unsqueeze(-1).expand({-1, -1, p * p * c.in_chans}), gh, gw);
  return t;
}

Image image_from_tensor(const torch::Tensor& chw01) {
  const auto t = (chw01.dim() == 4 ? chw01.squeeze(0) : chw01)
                     .clamp(0.0, 1.0)
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

} // namespace mae
