#include "model/mae_model.h"

#include "base/errors.h"
#include "base/plural.h"
#include "model/masking.h"
#include "model/pos_embed.h"

#include <torch/torch.h>

namespace mae {
namespace {

torch::Tensor gather_tokens(const torch::Tensor& x, const torch::Tensor& ids) {
  return torch::gather(x, 1, ids.unsqueeze(-1).expand({-1, -1, x.size(2)}));
}

torch::nn::ModuleList make_blocks(int64_t depth, int64_t dim, int64_t heads, int64_t hidden,
                                  double eps) {
  torch::nn::ModuleList list;
  for (int64_t i = 0; i < depth; ++i)
    list->push_back(Block(dim, heads, hidden, eps));
  return list;
}

// The blocks, then `final_norm`.
torch::Tensor run_blocks(torch::nn::ModuleList blocks, const torch::Tensor& x,
                         torch::nn::LayerNorm final_norm) {
  const size_t n = blocks->size();
  if (n == 0)
    return final_norm(x);
  const auto block = [&](size_t i) { return blocks[i]->as<Block>(); };
  auto r = add_layer_norm(x, torch::Tensor(), block(0)->norm1);
  for (size_t i = 0; i < n; ++i)
    r = block(i)->forward(r, i + 1 < n ? block(i + 1)->norm1 : final_norm);
  return r.normed;
}

torch::nn::LayerNormOptions ln(int64_t dim, double eps) {
  return torch::nn::LayerNormOptions({dim}).eps(eps);
}

} // namespace

PatchEmbedImpl::PatchEmbedImpl(int64_t in_chans, int64_t embed_dim, int64_t patch_size) {
  proj = register_module(
      "proj", torch::nn::Conv2d(
                  torch::nn::Conv2dOptions(in_chans, embed_dim, patch_size).stride(patch_size)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& patches) {
  // Conv weight [D, C, p, p] reordered to the patches' (row, column, channel) order.
  const auto& w = proj->weight;
  return torch::linear(patches, w.permute({0, 2, 3, 1}).reshape({w.size(0), -1}), proj->bias);
}

MaskedAutoencoderViTImpl::MaskedAutoencoderViTImpl(const ModelConfig& config, bool with_decoder,
                                                   bool initialize)
    : config_(config), has_decoder_(with_decoder) {
  config_.validate();
  const int64_t D = config.embed_dim, L = config.num_patches();
  patch_embed = register_module("patch_embed", PatchEmbed(config.in_chans, D, config.patch_size));
  cls_token = register_parameter("cls_token", torch::zeros({1, 1, D}));
  // Fixed, as the official nn.Parameter(requires_grad=False), but still in the state dict.
  pos_embed = register_parameter("pos_embed", torch::zeros({1, L + 1, D}), /*requires_grad=*/false);
  if (config.encoder_mask_token)
    encoder_mask_token = register_parameter("encoder_mask_token", torch::zeros({1, 1, D}));
  blocks = register_module("blocks", make_blocks(config.depth, D, config.num_heads,
                                                 config.mlp_hidden(), config.layer_norm_eps));
  norm = register_module("norm", torch::nn::LayerNorm(ln(D, config.layer_norm_eps)));
  if (with_decoder) {
    const int64_t Dd = config.decoder_embed_dim;
    decoder_embed = register_module("decoder_embed", Linear(D, Dd));
    mask_token = register_parameter("mask_token", torch::zeros({1, 1, Dd}));
    decoder_pos_embed = register_parameter("decoder_pos_embed", torch::zeros({1, L + 1, Dd}),
                                           /*requires_grad=*/false);
    decoder_blocks = register_module(
        "decoder_blocks", make_blocks(config.decoder_depth, Dd, config.decoder_num_heads,
                                      config.decoder_mlp_hidden(), config.layer_norm_eps));
    decoder_norm =
        register_module("decoder_norm", torch::nn::LayerNorm(ln(Dd, config.layer_norm_eps)));
    decoder_pred = register_module("decoder_pred", Linear(Dd, config.patch_dim()));
  }
  if (initialize)
    initialize_weights();
}

void MaskedAutoencoderViTImpl::initialize_weights() {
  torch::NoGradGuard no_grad;
  const int64_t g = config_.grid_size();
  pos_embed.copy_(sincos_pos_embed_2d(config_.embed_dim, g, g));
  // The official code initialises the patch conv like a Linear layer; its bias
  // keeps PyTorch's default initialisation.
  auto w = patch_embed->proj->weight;
  torch::nn::init::xavier_uniform_(w.view({w.size(0), -1}));
  torch::nn::init::normal_(cls_token, 0.0, 0.02);
  if (encoder_mask_token.defined())
    torch::nn::init::normal_(encoder_mask_token, 0.0, 0.02);
  if (has_decoder_) {
    decoder_pos_embed.copy_(sincos_pos_embed_2d(config_.decoder_embed_dim, g, g));
    torch::nn::init::normal_(mask_token, 0.0, 0.02);
  }
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = module->as<Linear>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      torch::nn::init::zeros_(linear->bias);
    } else if (auto* layer_norm = module->as<torch::nn::LayerNorm>()) {
      torch::nn::init::ones_(layer_norm->weight);
      torch::nn::init::zeros_(layer_norm->bias);
    }
  }
}

std::pair<int64_t, int64_t> MaskedAutoencoderViTImpl::grid_of(const torch::Tensor& imgs) const {
  const int64_t p = config_.patch_size;
  if (imgs.dim() != 4)
    throw UsageError("images must be [B, C, H, W], got " + std::to_string(imgs.dim()) +
                     " dimensions");
  if (imgs.size(1) != config_.in_chans)
    throw UsageError("model expects " + count_of(config_.in_chans, "channel") + ", images have " +
                     std::to_string(imgs.size(1)));
  if (imgs.size(2) % p != 0 || imgs.size(3) % p != 0 || imgs.size(2) == 0 || imgs.size(3) == 0)
    throw UsageError("image size " + std::to_string(imgs.size(2)) + "x" +
                     std::to_string(imgs.size(3)) +
                     " is not a positive multiple of the patch size " + std::to_string(p));
  return {imgs.size(2) / p, imgs.size(3) / p};
}

torch::Tensor MaskedAutoencoderViTImpl::patchify(const torch::Tensor& imgs) const {
  const auto [gh, gw] = grid_of(imgs);
  const int64_t p = config_.patch_size, C = config_.in_chans, B = imgs.size(0);
  return imgs.reshape({B, C, gh, p, gw, p})
      .permute({0, 2, 4, 3, 5, 1})
      .reshape({B, gh * gw, p * p * C});
}

torch::Tensor MaskedAutoencoderViTImpl::unpatchify(const torch::Tensor& x, int64_t grid_h,
                                                   int64_t grid_w) const {
  const int64_t p = config_.patch_size, C = config_.in_chans, B = x.size(0);
  if (x.dim() != 3 || x.size(1) != grid_h * grid_w || x.size(2) != p * p * C)
    throw UsageError("unpatchify: expected [B, " + std::to_string(grid_h * grid_w) + ", " +
                     std::to_string(p * p * C) + "] patches");
  return x.reshape({B, grid_h, grid_w, p, p, C})
      .permute({0, 5, 1, 3, 2, 4})
      .reshape({B, C, grid_h * p, grid_w * p});
}

torch::Tensor MaskedAutoencoderViTImpl::encode(const torch::Tensor& patches, int64_t grid_h,
                                               int64_t grid_w, const torch::Tensor* ids_keep) {
  const int64_t B = patches.size(0);
  const auto pos = interpolate_pos_embed(pos_embed, grid_h, grid_w);
  auto patch_pos = pos.slice(1, 1);
  auto cls = (cls_token + pos.slice(1, 0, 1)).expand({B, -1, -1});
  if (ids_keep && encoder_mask_token.defined()) {
    // Table 1c's variant: every patch in place, the removed ones as the mask token.
    auto kept = torch::zeros({B, patches.size(1), 1}, patches.options().dtype(torch::kBool));
    kept.scatter_(1, ids_keep->unsqueeze(-1), true);
    const auto embedded = patch_embed(patches);
    const auto x = torch::where(kept, embedded, encoder_mask_token.to(embedded.scalar_type()));
    return run_blocks(blocks, torch::cat({cls, x + patch_pos}, 1), norm);
  }
  auto kept = patches;
  if (ids_keep) {
    // Removing patches before the embedding, not after as the official code
    // does, gives the same tokens for a quarter of the work.
    kept = gather_tokens(patches, *ids_keep);
    patch_pos = gather_tokens(patch_pos.expand({B, -1, -1}), *ids_keep);
  }
  auto x = patch_embed(kept) + patch_pos;
  return run_blocks(blocks, torch::cat({cls, x}, 1), norm);
}

torch::Tensor MaskedAutoencoderViTImpl::forward_features(const torch::Tensor& imgs) {
  const auto [gh, gw] = grid_of(imgs);
  return encode(patchify(imgs), gh, gw, nullptr);
}

torch::Tensor MaskedAutoencoderViTImpl::forward_encoder(const torch::Tensor& imgs,
                                                        const torch::Tensor& ids_keep) {
  const auto [gh, gw] = grid_of(imgs);
  if (ids_keep.dim() != 2 || ids_keep.size(0) != imgs.size(0) || ids_keep.size(1) < 1 ||
      ids_keep.size(1) > gh * gw)
    throw UsageError("ids_keep must be [" + std::to_string(imgs.size(0)) + ", 1.." +
                     std::to_string(gh * gw) + "]");
  return encode(patchify(imgs), gh, gw, &ids_keep);
}

torch::Tensor MaskedAutoencoderViTImpl::decoder_input(const torch::Tensor& latent,
                                                      const torch::Tensor& ids_restore,
                                                      int64_t grid_h, int64_t grid_w) {
  if (!has_decoder_)
    throw CheckpointError(
        "this model has no decoder (an encoder-only checkpoint): reconstruction needs a decoder");
  auto x = decoder_embed(latent);
  const int64_t B = x.size(0), L = ids_restore.size(1);
  // An encoder with mask tokens (Table 1c) hands over every patch, in place.
  auto patches = x.slice(1, 1);
  if (x.size(1) != L + 1)
    patches = gather_tokens(torch::cat({patches, mask_token.expand({B, L + 1 - x.size(1), -1})}, 1),
                            ids_restore);
  return torch::cat({x.slice(1, 0, 1), patches}, 1) +
         interpolate_pos_embed(decoder_pos_embed, grid_h, grid_w);
}

torch::Tensor MaskedAutoencoderViTImpl::forward_decoder(const torch::Tensor& latent,
                                                        const torch::Tensor& ids_restore,
                                                        int64_t grid_h, int64_t grid_w) {
  const auto x = decoder_input(latent, ids_restore, grid_h, grid_w);
  return decoder_pred(run_blocks(decoder_blocks, x, decoder_norm)).slice(1, 1);
}

torch::Tensor MaskedAutoencoderViTImpl::targets_from_patches(const torch::Tensor& patches) const {
  if (!config_.norm_pix_loss)
    return patches;
  auto mean = patches.mean(-1, /*keepdim=*/true);
  auto var = patches.var(-1, /*unbiased=*/true, /*keepdim=*/true);
  return (patches - mean) / (var + 1e-6).sqrt();
}

torch::Tensor MaskedAutoencoderViTImpl::loss_from_targets(const torch::Tensor& targets,
                                                          const torch::Tensor& pred,
                                                          const torch::Tensor& mask) const {
  auto per_patch = (pred - targets).pow(2).mean(-1);
  // A ratio that removes nothing has no loss rather than 0/0.
  return (per_patch * mask).sum() / mask.sum().clamp_min(1.0);
}

torch::Tensor MaskedAutoencoderViTImpl::forward_loss(const torch::Tensor& imgs,
                                                     const torch::Tensor& pred,
                                                     const torch::Tensor& mask) const {
  return loss_from_targets(targets_from_patches(patchify(imgs)), pred, mask);
}

MaeOutput MaskedAutoencoderViTImpl::forward(const torch::Tensor& imgs, const torch::Tensor& scores,
                                            int64_t keep) {
  const auto [gh, gw] = grid_of(imgs);
  if (scores.dim() != 2 || scores.size(0) != imgs.size(0) || scores.size(1) != gh * gw)
    throw UsageError("mask scores must be [" + std::to_string(imgs.size(0)) + ", " +
                     std::to_string(gh * gw) + "]");
  if (keep < 1 || keep > gh * gw)
    throw UsageError("the encoder must keep between 1 and " + std::to_string(gh * gw) +
                     " patches, got " + std::to_string(keep));
  const auto plan = plan_from_scores(scores.to(imgs.device(), torch::kFloat32), keep);
  // One patchify serves the encoder and the loss targets.
  const auto patches = patchify(imgs);
  MaeOutput out;
  out.latent = encode(patches, gh, gw, &plan.ids_keep);
  out.pred = forward_decoder(out.latent, plan.ids_restore, gh, gw);
  // float32 even under autocast: the loss divides by its sum.
  out.mask = plan.mask;
  out.ids_restore = plan.ids_restore;
  out.loss = loss_from_targets(targets_from_patches(patches), out.pred, out.mask);
  return out;
}

int64_t count_parameters(const torch::nn::Module& module, const std::string& prefix) {
  int64_t n = 0;
  for (const auto& p : module.named_parameters())
    if (p.key().rfind(prefix, 0) == 0)
      n += p.value().numel();
  return n;
}

bool is_decoder_parameter(const std::string& name) {
  return name.rfind("decoder_", 0) == 0 || name == "mask_token";
}

} // namespace mae
