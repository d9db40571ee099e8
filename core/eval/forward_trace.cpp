#include "eval/reconstruction_tensors.h"
#include "model/flops.h"

#include <torch/torch.h>

#include <algorithm>

namespace mae {
namespace {

std::vector<float> to_floats(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// Tokens [N, D] -> RGB bytes [N * 3]: the projection on the first three
// principal components, each stretched over [0, 255]. Each component's sign
// is fixed (its largest loading positive) so that colours do not flip from
// one slider move to the next.
std::vector<uint8_t> pca_rgb(const torch::Tensor& tokens) {
  const auto t = tokens.detach().to(torch::kCPU, torch::kFloat32);
  const int64_t n = t.size(0);
  std::vector<uint8_t> rgb(static_cast<size_t>(n) * 3, 128);
  if (n < 2 || !torch::isfinite(t).all().item<bool>())
    return rgb;
  const auto centred = t - t.mean(0, /*keepdim=*/true);
  const auto svd = torch::svd(centred);
  auto basis = std::get<2>(svd).slice(1, 0, std::min<int64_t>(3, t.size(1)));
  const auto peak = basis.abs().argmax(0);
  const auto sign = basis.gather(0, peak.unsqueeze(0)).sign();
  basis = basis * torch::where(sign == 0, torch::ones_like(sign), sign);
  const auto proj = centred.matmul(basis);
  const auto lo = std::get<0>(proj.min(0, true)), hi = std::get<0>(proj.max(0, true));
  const auto unit = ((proj - lo) / (hi - lo).clamp_min(1e-12)).mul(255).round().to(torch::kUInt8);
  const auto bytes = unit.contiguous();
  const uint8_t* b = bytes.data_ptr<uint8_t>();
  const int64_t k = bytes.size(1); // 3, fewer for a token width under 3
  for (int64_t i = 0; i < n; ++i)
    std::copy(b + i * k, b + (i + 1) * k, rgb.begin() + i * 3);
  return rgb;
}

} // namespace

ForwardTrace forward_trace(MaskedAutoencoderViT& model, const torch::Tensor& x,
                           const torch::Tensor& scores, const MaeOutput& out) {
  const ModelConfig& c = model->config();
  const int64_t gh = x.size(2) / c.patch_size, gw = x.size(3) / c.patch_size;
  const int64_t L = gh * gw, keep = out.latent.size(1) - 1;
  ForwardTrace t;
  t.patches = static_cast<int>(L);
  t.scores = to_floats(scores[0]);
  // The shuffle is the inverse of ids_restore; its first `keep` are kept.
  const auto order = out.ids_restore[0].argsort().slice(0, 0, keep).to(torch::kCPU);
  for (int64_t i = 0; i < keep; ++i)
    t.kept.push_back(static_cast<int>(order[i].item<int64_t>()));
  t.latent_rgb = pca_rgb(out.latent[0].slice(0, 1));
  t.decoder_rgb = pca_rgb(model->decoder_input(out.latent, out.ids_restore, gh, gw)[0].slice(0, 1));
  const auto targets = model->targets_from_patches(model->patchify(x));
  t.patch_loss = to_floats((out.pred.to(torch::kFloat32) - targets).pow(2).mean(-1)[0]);
  t.encoder_flops = encoder_blocks_flops(c, static_cast<double>(1 + keep));
  t.full_encoder_flops = encoder_blocks_flops(c, static_cast<double>(1 + L));
  return t;
}

} // namespace mae
