#include "eval/reconstructor.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/normalization_io.h"
#include "eval/attention_maps.h"
#include "eval/pos_embed_similarity.h"
#include "eval/reconstruction_tensors.h"
#include "model/masking.h"
#include "runtime/runtime.h"

#include <torch/torch.h>

#include <chrono>
#include <cstring>

namespace mae {

struct Reconstructor::Impl {
  LoadedModel loaded;
  torch::Device device{torch::kCPU};
  ModelInfo info;
};

namespace {

// [H, W, C] uint8 image -> [1, C, H, W] float in [0, 1].
torch::Tensor to_tensor01(const Image& image) {
  auto t = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                            {image.height, image.width, image.channels}, torch::kUInt8);
  return t.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32).div(255.0);
}

void check_image(const ModelConfig& c, const Image& image) {
  if (image.channels != c.in_chans)
    throw UsageError("the model takes " + std::to_string(c.in_chans) + "-channel images, got " +
                     std::to_string(image.channels));
  const int p = c.patch_size;
  if (image.width % p != 0 || image.height % p != 0 || image.empty())
    throw UsageError("image sides must be multiples of the patch size " + std::to_string(p));
}

} // namespace

Reconstructor::Reconstructor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reconstructor::~Reconstructor() = default;

std::unique_ptr<Reconstructor> Reconstructor::load(const std::string& path,
                                                   const LoadOptions& options,
                                                   const std::string& device) {
  auto impl = std::make_unique<Impl>();
  impl->device = resolve_device(device);
  impl->loaded = load_model(path, options);
  impl->loaded.model->to(impl->device);
  impl->loaded.model->eval();
  const ModelConfig& c = impl->loaded.model->config();
  ModelInfo& info = impl->info;
  info.path = path;
  info.format = to_string(impl->loaded.format);
  info.config_source = impl->loaded.config_source;
  info.config = c;
  info.has_decoder = impl->loaded.model->has_decoder();
  const int64_t total = count_parameters(*impl->loaded.model);
  info.decoder_params = 0;
  for (const auto& p : impl->loaded.model->named_parameters())
    if (is_decoder_parameter(p.key()))
      info.decoder_params += p.value().numel();
  info.encoder_params = total - info.decoder_params;
  info.device = device_description(impl->device);
  info.normalization = normalization_from_metadata(impl->loaded.metadata, c.in_chans);
  info.normalization_source = impl->loaded.metadata.count(kNormalizationKey)
                                  ? "recorded in the file"
                                  : "not recorded in the file: ImageNet's taken, as the official "
                                    "models use";
  info.stored_dtype = impl->loaded.stored_dtype;
  info.notices = impl->loaded.notices;
  info.metadata = impl->loaded.metadata;
  return std::unique_ptr<Reconstructor>(new Reconstructor(std::move(impl)));
}

void Reconstructor::require_finite_weights(const std::string& use) const {
  mae::require_finite_weights(impl_->loaded, use);
}

const ModelInfo& Reconstructor::info() const {
  return impl_->info;
}

void Reconstructor::set_normalization(const Normalization& n) {
  n.validate(impl_->info.config.in_chans);
  impl_->info.normalization = n;
  impl_->info.normalization_source = "given";
}

ReconstructionResult Reconstructor::run(const Image& image, const MaskSettings& settings,
                                        bool trace) {
  auto& model = impl_->loaded.model;
  const ModelConfig& c = model->config();
  if (!model->has_decoder())
    throw CheckpointError("this is an encoder-only checkpoint: reconstruction needs a decoder");
  check_image(c, image);
  const int p = c.patch_size;
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  const torch::Device& dev = impl_->device;
  const NormalizationTensors n(impl_->info.normalization, torch::TensorOptions().device(dev));
  const auto x01 = to_tensor01(image).to(dev);
  const auto x = n.apply(x01);
  const int64_t gh = image.height / p, gw = image.width / p;

  const auto scores = mask_scores(settings, 1, gh, gw);
  const MaeOutput out = model->forward(x, scores, settings.encoder_keeps(gh, gw));
  const auto [recon01, pixel_mask] = reconstruction_tensors(model, x, out, n);
  const auto masked01 = x01 * (1 - pixel_mask) + n.mean * pixel_mask;
  const auto mixed01 = x01 * (1 - pixel_mask) + recon01 * pixel_mask;

  ReconstructionResult r;
  r.finite = torch::isfinite(out.pred).all().item<bool>();
  r.original = image;
  r.masked = image_from_tensor(masked01);
  r.reconstruction = image_from_tensor(recon01);
  r.reconstruction_visible = image_from_tensor(mixed01);
  r.grid_h = static_cast<int>(gh);
  r.grid_w = static_cast<int>(gw);
  r.patch_size = p;
  const auto mask_cpu = out.mask.squeeze(0).to(torch::kCPU, torch::kUInt8).contiguous();
  r.mask.assign(mask_cpu.data_ptr<uint8_t>(), mask_cpu.data_ptr<uint8_t>() + mask_cpu.numel());
  // Errors of what is shown: the clamped reconstruction against the input.
  const auto err = (recon01.clamp(0, 1) - x01).pow(2);
  const auto per_patch = model->patchify(err).mean(-1).squeeze(0).to(torch::kCPU).contiguous();
  r.patch_error.assign(per_patch.data_ptr<float>(),
                       per_patch.data_ptr<float>() + per_patch.numel());
  const double removed = out.mask.sum().item<double>();
  r.masked_mse =
      removed > 0 ? (per_patch.to(dev) * out.mask.squeeze(0)).sum().item<double>() / removed : 0.0;
  r.loss = out.loss.item<double>();
  r.denormalised_with_true_stats = c.norm_pix_loss;
  const auto traced = std::chrono::steady_clock::now();
  if (trace)
    r.trace = forward_trace(model, x, scores, out);
  r.trace_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - traced).count();
  r.inference_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return r;
}

AttentionMap Reconstructor::attention(const Image& image, const MaskSettings& settings,
                                      const AttentionQuery& query) {
  auto& model = impl_->loaded.model;
  const ModelConfig& c = model->config();
  check_image(c, image);
  torch::NoGradGuard no_grad;
  const torch::Device& dev = impl_->device;
  const NormalizationTensors n(impl_->info.normalization, torch::TensorOptions().device(dev));
  const auto x = n.apply(to_tensor01(image).to(dev));
  const int64_t gh = image.height / c.patch_size, gw = image.width / c.patch_size;
  const auto scores = mask_scores(settings, 1, gh, gw);
  return attention_map(model, x, scores, settings.encoder_keeps(gh, gw), query);
}

PosEmbedGrid Reconstructor::pos_embed_grid(AttentionStack stack) const {
  return mae::pos_embed_grid(impl_->loaded.model, stack);
}

} // namespace mae
