#include "eval/heldout_reconstruction.h"

#include "data/augment.h"
#include "eval/reconstruction_tensors.h"
#include "model/masking.h"
#ifdef MAE_WITH_OPENCV
#include "eval/baselines.h"
#endif

#include <torch/torch.h>

namespace mae {
namespace {

// Pictures a forward pass: bounds the activations whatever the held-out set's size.
constexpr int64_t kChunk = 32;

} // namespace

HeldOutReconstruction::HeldOutReconstruction(torch::Tensor images01,
                                             const Normalization& normalization,
                                             MaskSettings settings, int masks, int64_t patch_size)
    : images01_(std::move(images01)), normalization_(normalization), patch_size_(patch_size) {
  const int64_t n = images01_.size(0);
  const int64_t gh = images01_.size(2) / patch_size, gw = images01_.size(3) / patch_size;
  keep_ = settings.encoder_keeps(gh, gw);
  for (int k = 0; k < masks; ++k) {
    settings.seed = static_cast<uint64_t>(k);
    scores_.push_back(mask_scores(settings, n, gh, gw));
  }
}

double HeldOutReconstruction::model_mse(MaskedAutoencoderViT& model) const {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const NormalizationTensors n(normalization_, images01_.options());
  double total = 0;
  for (const auto& scores : scores_)
    for (int64_t first = 0; first < pictures(); first += kChunk) {
      const int64_t count = std::min(kChunk, pictures() - first);
      const auto images01 = images01_.narrow(0, first, count);
      const auto x = n.apply(images01);
      const MaeOutput out =
          model->forward(x, scores.narrow(0, first, count).to(images01.device()), keep_);
      const auto [recon01, removed] = reconstruction_tensors(model, x, out, n);
      // What is shown: the clamped prediction against the picture, removed pixels only.
      const auto err = (recon01.clamp(0, 1) - images01).pow(2) * removed;
      total += (err.sum({1, 2, 3}) / removed.sum({1, 2, 3}).clamp_min(1)).sum().item<double>();
    }
  model->train(was_training);
  return total / static_cast<double>(pictures() * masks());
}

std::optional<double> HeldOutReconstruction::telea_mse() const {
#ifdef MAE_WITH_OPENCV
  const int gh = static_cast<int>(images01_.size(2) / patch_size_);
  const int gw = static_cast<int>(images01_.size(3) / patch_size_);
  const int p = static_cast<int>(patch_size_);
  std::vector<torch::Tensor> removed; // per mask: [N, L], 1 = removed, as the model removes
  for (const auto& scores : scores_)
    removed.push_back(plan_from_scores(scores, keep_).mask.to(torch::kUInt8));
  double total = 0;
  for (int64_t i = 0; i < pictures(); ++i) {
    const Image picture = image_from_tensor(images01_[i]);
    for (const auto& mask_rows : removed) {
      const auto row = mask_rows[i].contiguous();
      const std::vector<uint8_t> mask(row.data_ptr<uint8_t>(),
                                      row.data_ptr<uint8_t>() + row.numel());
      total += masked_mse(inpaint_telea(picture, mask, gh, gw, p), picture, mask, gh, gw, p);
    }
  }
  return total / static_cast<double>(pictures() * masks());
#else
  return std::nullopt;
#endif
}

} // namespace mae
