// The Masked Autoencoder of He et al. (CVPR 2022), matching
// facebookresearch/mae models_mae.py: parameter names, initialisation,
// patchify layout, masking and loss. The encoder sees only kept patches; the
// decoder fills the rest with one shared mask token.
#pragma once

#include "model/model_config.h"
#include "model/vit_block.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>

namespace mae {

struct MaeOutput {
  torch::Tensor loss;        // [] mean over masked patches
  torch::Tensor pred;        // [B, L, p*p*C] channel innermost
  torch::Tensor mask;        // [B, L] 1 = removed
  torch::Tensor ids_restore; // [B, L] int64
  torch::Tensor latent;      // [B, 1 + keep, D] encoder output after its norm
};

class PatchEmbedImpl : public torch::nn::Module {
public:
  PatchEmbedImpl(int64_t in_chans, int64_t embed_dim, int64_t patch_size);
  // Patchified pixels [B, n, p*p*C] ('nhwpqc', as patchify) -> [B, n, D]: the
  // patch convolution as one matrix product, so the encoder embeds only the
  // patches it keeps and shares the patchified pixels with the loss.
  torch::Tensor forward(const torch::Tensor& patches);

  torch::nn::Conv2d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

class MaskedAutoencoderViTImpl : public torch::nn::Module {
public:
  // `with_decoder` false builds the encoder only (released encoder checkpoints).
  // `initialize` false skips the random initialisation, for weights that are
  // about to be loaded (it costs seconds for ViT-L).
  explicit MaskedAutoencoderViTImpl(const ModelConfig& config, bool with_decoder = true,
                                    bool initialize = true);

  const ModelConfig& config() const { return config_; }
  bool has_decoder() const { return has_decoder_; }

  // Official initialisation: sin-cos position tables, xavier_uniform Linear
  // and patch weights, zero biases, normal(0.02) tokens, LayerNorm 1/0.
  void initialize_weights();

  // [B, C, H, W] -> [B, L, p*p*C], 'nchpwq->nhwpqc'.
  torch::Tensor patchify(const torch::Tensor& imgs) const;
  // [B, L, p*p*C] -> [B, C, gh*p, gw*p]
  torch::Tensor unpatchify(const torch::Tensor& x, int64_t grid_h, int64_t grid_w) const;

  // Encoder over every patch (linear probes, k-NN): [B, 1 + L, D].
  torch::Tensor forward_features(const torch::Tensor& imgs);
  // Encoder over the patches `ids_keep` [B, keep] (in that order, as forward's encoder sees
  // them, MaskPlan::ids_keep): [B, 1 + keep, D]. Works without a decoder. With
  // config.encoder_mask_token, every patch in order, the others as the mask
  // token: [B, 1 + L, D].
  torch::Tensor forward_encoder(const torch::Tensor& imgs, const torch::Tensor& ids_keep);
  // [B, L, p*p*C] for a grid_h x grid_w input.
  torch::Tensor forward_decoder(const torch::Tensor& latent, const torch::Tensor& ids_restore,
                                int64_t grid_h, int64_t grid_w);
  // What the decoder's blocks see: the embedded visible latents and the shared
  // mask token back in patch order, each plus its position embedding,
  // behind the cls token: [B, 1 + L, decoder D].
  torch::Tensor decoder_input(const torch::Tensor& latent, const torch::Tensor& ids_restore,
                              int64_t grid_h, int64_t grid_w);
  // The patch targets of the loss (normalised per patch with norm_pix_loss).
  torch::Tensor targets_from_patches(const torch::Tensor& patches) const;
  // Per-patch MSE averaged over pixels, then over removed patches.
  torch::Tensor forward_loss(const torch::Tensor& imgs, const torch::Tensor& pred,
                             const torch::Tensor& mask) const;

  // Full pass with scores [B, L] (lowest kept), as the official forward with
  // noise; the encoder sees the `keep` lowest (MaskSettings::num_kept).
  MaeOutput forward(const torch::Tensor& imgs, const torch::Tensor& scores, int64_t keep);

  PatchEmbed patch_embed{nullptr};
  torch::Tensor cls_token, pos_embed;
  torch::Tensor encoder_mask_token; // defined with config.encoder_mask_token only
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};

  Linear decoder_embed{nullptr};
  torch::Tensor mask_token, decoder_pos_embed;
  torch::nn::ModuleList decoder_blocks{nullptr};
  torch::nn::LayerNorm decoder_norm{nullptr};
  Linear decoder_pred{nullptr};

private:
  std::pair<int64_t, int64_t> grid_of(const torch::Tensor& imgs) const;
  // Position-embedded patches (only `ids_keep` when given) behind the cls token, through the blocks
  // and norm. `patches` are patchify(imgs) of a grid_h x grid_w input.
  torch::Tensor encode(const torch::Tensor& patches, int64_t grid_h, int64_t grid_w,
                       const torch::Tensor* ids_keep);
  torch::Tensor loss_from_targets(const torch::Tensor& targets, const torch::Tensor& pred,
                                  const torch::Tensor& mask) const;

  ModelConfig config_;
  bool has_decoder_;
};
TORCH_MODULE(MaskedAutoencoderViT);

// Number of parameters whose name starts with `prefix` ("" for all).
int64_t count_parameters(const torch::nn::Module& module, const std::string& prefix = "");
bool is_decoder_parameter(const std::string& name);

} // namespace mae
