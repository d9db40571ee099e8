#include "test_util.h"
#include "tiny_models.h"

#include "base/errors.h"
#include "model/mae_model.h"
#include "model/masking.h"
#include "model/memory_estimate.h"
#include "model/model_config.h"
#include "model/pos_embed.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace mae {
namespace {

// 32 px, patch 8, two encoder blocks.
ModelConfig tiny_config() {
  return test::model_config(32, 8, 3, 32, 2, 4, 16, 1, 2);
}

TEST(PosEmbed, LayoutIsSinXCosXSinYCosY) {
  const int64_t D = 16, gh = 3, gw = 5;
  const auto pos = sincos_pos_embed_2d(D, gh, gw);
  ASSERT_EQ(pos.sizes(), (std::vector<int64_t>{1, 1 + gh * gw, D}));
  EXPECT_EQ(pos[0][0].abs().max().item<float>(), 0.0f); // cls row
  for (int64_t y = 0; y < gh; ++y) {
    for (int64_t x = 0; x < gw; ++x) {
      const auto row = pos[0][1 + y * gw + x];
      for (int64_t i = 0; i < D / 4; ++i) {
        const double omega = 1.0 / std::pow(10000.0, static_cast<double>(i) / (D / 4));
        EXPECT_NEAR(row[i].item<float>(), std::sin(x * omega), 1e-6);
        EXPECT_NEAR(row[D / 4 + i].item<float>(), std::cos(x * omega), 1e-6);
        EXPECT_NEAR(row[D / 2 + i].item<float>(), std::sin(y * omega), 1e-6);
        EXPECT_NEAR(row[3 * D / 4 + i].item<float>(), std::cos(y * omega), 1e-6);
      }
    }
  }
}

TEST(PosEmbed, InterpolationKeepsClsAndIsIdentityAtNativeSize) {
  const auto pos = sincos_pos_embed_2d(32, 4, 4);
  EXPECT_TRUE(interpolate_pos_embed(pos, 4, 4).is_same(pos));
  const auto big = interpolate_pos_embed(pos, 6, 8);
  ASSERT_EQ(big.sizes(), (std::vector<int64_t>{1, 1 + 48, 32}));
  EXPECT_TRUE(torch::equal(big.slice(1, 0, 1), pos.slice(1, 0, 1)));
  // Bicubic resampling of a smooth table stays close to the table's range.
  EXPECT_LE(big.abs().max().item<float>(), 1.2f);
}

TEST(Model, PatchifyPutsChannelsInnermostAndRoundTrips) {
  MaskedAutoencoderViT model(tiny_config());
  const auto imgs = torch::randn({2, 3, 32, 48});
  const auto patches = model->patchify(imgs);
  ASSERT_EQ(patches.sizes(), (std::vector<int64_t>{2, 4 * 6, 8 * 8 * 3}));
  // Patch (row 1, col 2), pixel (3, 5), channel 2.
  const int64_t idx = 1 * 6 + 2, offset = (3 * 8 + 5) * 3 + 2;
  EXPECT_EQ(patches[1][idx][offset].item<float>(), imgs[1][2][1 * 8 + 3][2 * 8 + 5].item<float>());
  EXPECT_TRUE(torch::equal(model->unpatchify(patches, 4, 6), imgs));
}

TEST(Model, InitialisationFollowsTheOfficialRecipe) {
  ModelConfig c = tiny_config();
  MaskedAutoencoderViT model(c);
  const auto params = model->named_parameters();
  EXPECT_TRUE(torch::equal(params["pos_embed"], sincos_pos_embed_2d(c.embed_dim, 4, 4)));
  EXPECT_TRUE(
      torch::equal(params["decoder_pos_embed"], sincos_pos_embed_2d(c.decoder_embed_dim, 4, 4)));
  EXPECT_FALSE(params["pos_embed"].requires_grad());
  EXPECT_TRUE(params["cls_token"].requires_grad());
  for (const auto& p : params) {
    const std::string& n = p.key();
    const auto& t = p.value();
    if (n.find("norm") != std::string::npos && n.find(".weight") != std::string::npos)
      EXPECT_TRUE(torch::equal(t, torch::ones_like(t))) << n;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".bias" && n != "patch_embed.proj.bias")
      EXPECT_TRUE(torch::equal(t, torch::zeros_like(t))) << n;
    if (n.find("qkv.weight") != std::string::npos || n.find("fc1.weight") != std::string::npos) {
      const double bound = std::sqrt(6.0 / static_cast<double>(t.size(0) + t.size(1)));
      EXPECT_LE(t.abs().max().item<double>(), bound + 1e-6) << n;
      EXPECT_GE(t.abs().max().item<double>(), 0.8 * bound) << n;
    }
  }
  const auto w = params["patch_embed.proj.weight"];
  const double bound = std::sqrt(6.0 / static_cast<double>(w.size(0) + w[0].numel()));
  EXPECT_LE(w.abs().max().item<double>(), bound + 1e-6);
  MaskedAutoencoderViT big(builtin_model_config("mae_vit_tiny_patch16"));
  EXPECT_NEAR(big->cls_token.std().item<double>() + big->mask_token.std().item<double>(), 0.04,
              0.03);
}

// Multi-head attention written out head by head, as the paper's ViT defines
// it: the fused qkv split and its gradient must match it.
torch::Tensor reference_attention(const torch::Tensor& x, const torch::Tensor& w_qkv,
                                  const torch::Tensor& b_qkv, const torch::Tensor& w_proj,
                                  const torch::Tensor& b_proj, int64_t heads) {
  const int64_t C = x.size(2), d = C / heads;
  const auto qkv = torch::nn::functional::linear(x, w_qkv, b_qkv);
  std::vector<torch::Tensor> outs;
  for (int64_t h = 0; h < heads; ++h) {
    const auto q = qkv.slice(2, h * d, (h + 1) * d);
    const auto k = qkv.slice(2, C + h * d, C + (h + 1) * d);
    const auto v = qkv.slice(2, 2 * C + h * d, 2 * C + (h + 1) * d);
    const auto a =
        (torch::matmul(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(d))).softmax(-1);
    outs.push_back(torch::matmul(a, v));
  }
  return torch::nn::functional::linear(torch::cat(outs, 2), w_proj, b_proj);
}

TEST(Model, AttentionAndItsGradientsMatchHeadByHeadAttention) {
  torch::manual_seed(3);
  Attention attn(24, 3);
  for (auto& p : attn->parameters())
    p.data().normal_(0.0, 0.3);
  const auto x = torch::randn({2, 5, 24}, torch::kFloat64).requires_grad_(true);
  attn->to(torch::kFloat64);
  const auto x_ref = x.detach().clone().requires_grad_(true);
  const auto w_qkv = attn->qkv->weight.detach().clone().requires_grad_(true);
  const auto out = attn->forward(x);
  const auto ref = reference_attention(x_ref, w_qkv, attn->qkv->bias.detach(),
                                       attn->proj->weight.detach(), attn->proj->bias.detach(), 3);
  EXPECT_TRUE(torch::allclose(out, ref, 1e-9, 1e-10));
  const auto g = torch::randn_like(out);
  out.backward(g);
  ref.backward(g);
  EXPECT_TRUE(torch::allclose(x.grad(), x_ref.grad(), 1e-9, 1e-10));
  EXPECT_TRUE(torch::allclose(attn->qkv->weight.grad(), w_qkv.grad(), 1e-9, 1e-10));
}

TEST(Model, PatchEmbeddingOfPatchifiedPixelsIsThePatchConvolution) {
  MaskedAutoencoderViT model(tiny_config());
  torch::NoGradGuard no_grad;
  const auto imgs = torch::randn({2, 3, 32, 40});
  const auto expected = model->patch_embed->proj(imgs).flatten(2).transpose(1, 2);
  const auto embedded = model->patch_embed->forward(model->patchify(imgs));
  EXPECT_LE((embedded - expected).abs().max().item().toDouble(), 1e-5);
}

TEST(Model, EncoderSeesOnlyKeptPatches) {
  MaskedAutoencoderViT model(tiny_config());
  model->eval();
  torch::NoGradGuard no_grad;
  const auto imgs = torch::randn({2, 3, 32, 32});
  const auto scores = mask_scores(MaskSettings{MaskStrategy::Random, 0.75, 7, {}}, 2, 4, 4);
  const auto out = model->forward(imgs, scores, num_kept(16, 0.75));
  EXPECT_EQ(out.latent.sizes(), (std::vector<int64_t>{2, 1 + 4, 32}));
  EXPECT_EQ(out.pred.sizes(), (std::vector<int64_t>{2, 16, 192}));
  EXPECT_EQ(out.mask.sum().item<float>(), 24.0f);
  // Changing a removed patch cannot change the latent.
  const auto plan = plan_from_scores(scores, 4);
  auto edited = imgs.clone();
  for (int64_t i = 0; i < 16; ++i) {
    if (plan.mask[0][i].item<float>() == 1.0f) {
      edited[0]
          .slice(1, (i / 4) * 8, (i / 4) * 8 + 8)
          .slice(2, (i % 4) * 8, (i % 4) * 8 + 8)
          .fill_(9.0);
      break;
    }
  }
  EXPECT_TRUE(
      torch::allclose(model->forward(edited, scores, num_kept(16, 0.75)).latent, out.latent));
}

// Table 1c's variant: the encoder sees all L tokens, the removed ones as a
// learned mask token, and still cannot see a removed patch's pixels.
TEST(Model, EncoderWithMaskTokensSeesEveryPositionButNoRemovedPixels) {
  ModelConfig c = tiny_config();
  c.encoder_mask_token = true;
  torch::manual_seed(0);
  MaskedAutoencoderViT model(c);
  const auto imgs = torch::randn({2, 3, 32, 32});
  const auto scores = mask_scores(MaskSettings{MaskStrategy::Random, 0.75, 7, {}}, 2, 4, 4);
  const auto out = model->forward(imgs, scores, num_kept(16, 0.75));
  EXPECT_EQ(out.latent.sizes(), (std::vector<int64_t>{2, 1 + 16, 32}));
  EXPECT_EQ(out.pred.sizes(), (std::vector<int64_t>{2, 16, 192}));
  out.loss.backward();
  ASSERT_TRUE(model->encoder_mask_token.grad().defined());
  EXPECT_GT(model->encoder_mask_token.grad().abs().sum().item<float>(), 0.0f);
  // Editing a removed patch changes nothing; editing a kept one does.
  torch::NoGradGuard no_grad;
  const auto plan = plan_from_scores(scores, 4);
  const auto edit = [&](bool removed) {
    auto edited = imgs.clone();
    for (int64_t i = 0; i < 16; ++i)
      if ((plan.mask[0][i].item<float>() == 1.0f) == removed) {
        edited[0]
            .slice(1, (i / 4) * 8, (i / 4) * 8 + 8)
            .slice(2, (i % 4) * 8, (i % 4) * 8 + 8)
            .fill_(9);
        break;
      }
    return model->forward(edited, scores, num_kept(16, 0.75)).latent;
  };
  EXPECT_TRUE(torch::allclose(edit(true), out.latent));
  EXPECT_FALSE(torch::allclose(edit(false), out.latent));
  // The default model has no such parameter, and its config JSON no such key.
  EXPECT_FALSE(MaskedAutoencoderViT(tiny_config())->encoder_mask_token.defined());
  EXPECT_EQ(nlohmann::json(tiny_config()).count("encoder_mask_token"), 0u);
  EXPECT_TRUE(nlohmann::json(c).at("encoder_mask_token").get<bool>());
}

TEST(Model, LossIsMeanOverRemovedPatchesWithOptionalNormPix) {
  for (bool norm_pix : {false, true}) {
    ModelConfig c = tiny_config();
    c.norm_pix_loss = norm_pix;
    MaskedAutoencoderViT model(c);
    const auto imgs = torch::randn({2, 3, 32, 32});
    const auto pred = torch::randn({2, 16, 192});
    auto mask = torch::zeros({2, 16});
    mask.index_put_({0, torch::indexing::Slice(0, 5)}, 1.0);
    mask.index_put_({1, torch::indexing::Slice(3, 12)}, 1.0);
    // Independent reference, patch by patch.
    double total = 0;
    int count = 0;
    const auto target = model->patchify(imgs);
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < 16; ++i) {
        if (mask[b][i].item<float>() == 0)
          continue;
        auto t = target[b][i].to(torch::kFloat64);
        if (norm_pix) {
          const double mean = t.mean().item<double>();
          const double var = ((t - mean).pow(2).sum() / (t.numel() - 1)).item<double>();
          t = (t - mean) / std::sqrt(var + 1e-6);
        }
        total += (pred[b][i].to(torch::kFloat64) - t).pow(2).mean().item<double>();
        ++count;
      }
    EXPECT_NEAR(model->forward_loss(imgs, pred, mask).item<double>(), total / count, 1e-5)
        << norm_pix;
  }
}

TEST(Model, RunsOnOtherSizesByInterpolatingPositions) {
  MaskedAutoencoderViT model(tiny_config());
  torch::NoGradGuard no_grad;
  const auto imgs = torch::randn({1, 3, 48, 64});
  const auto out =
      model->forward(imgs, mask_scores(MaskSettings{MaskStrategy::Grid, 0.75, 0, {}}, 1, 6, 8),
                     num_kept(48, 0.75));
  EXPECT_EQ(out.pred.sizes(), (std::vector<int64_t>{1, 48, 192}));
  EXPECT_EQ(out.latent.size(1), 1 + num_kept(48, 0.75));
  EXPECT_TRUE(torch::isfinite(out.loss).item<bool>());
  EXPECT_THROW(model->forward(torch::randn({1, 3, 30, 32}), torch::rand({1, 12}), 3), UsageError);
  EXPECT_THROW(model->forward(torch::randn({1, 1, 32, 32}), torch::rand({1, 16}), 4), UsageError);
}

TEST(Model, ForwardFeaturesSeesEveryPatch) {
  MaskedAutoencoderViT model(tiny_config());
  torch::NoGradGuard no_grad;
  EXPECT_EQ(model->forward_features(torch::randn({3, 3, 32, 32})).sizes(),
            (std::vector<int64_t>{3, 17, 32}));
}

TEST(Model, ParameterCountsMatchTheOfficialViTB) {
  // Counted by hand from the official layers: encoder 85,647,360 trainable,
  // decoder 26,008,320, plus 252,160 in the two fixed position tables.
  MaskedAutoencoderViT model(builtin_model_config("mae_vit_base_patch16"));
  int64_t trainable = 0;
  for (const auto& p : model->parameters())
    if (p.requires_grad())
      trainable += p.numel();
  EXPECT_EQ(trainable, 111655680);
  EXPECT_EQ(count_parameters(*model), 111907840);
}

TEST(Model, ParameterCountFromTheConfigMatchesTheModel) {
  for (const char* arch :
       {"mae_vit_base_patch16", "mae_vit_micro_patch4_28", "mae_vit_tiny_patch16_dec256d3"}) {
    MaskedAutoencoderViT model(builtin_model_config(arch));
    EXPECT_EQ(mae_parameter_count(builtin_model_config(arch)), count_parameters(*model)) << arch;
  }
}

// Measured on CPU in float32 (peak RSS over batch 8 and 32, one `mae bench`
// step): ViT-B/16 keeps 127 MB per image, ViT-Ti/16 27 MB. The estimate must
// stay a lower bound of that (it refuses batches), but not a loose one.
TEST(Model, TrainMemoryEstimateIsATightLowerBound) {
  const TrainMemory base = mae_train_memory(builtin_model_config("mae_vit_base_patch16"), 0.75);
  EXPECT_LT(base.per_image_bytes, 127e6);
  EXPECT_GT(base.per_image_bytes, 0.8 * 127e6);
  EXPECT_NEAR(base.fixed_bytes, 16.0 * 111907840, 1.0);
  const TrainMemory tiny = mae_train_memory(builtin_model_config("mae_vit_tiny_patch16"), 0.75);
  EXPECT_LT(tiny.per_image_bytes, 27e6);
  EXPECT_GT(tiny.per_image_bytes, 0.6 * 27e6);
  // Fewer kept patches, less for the encoder to keep.
  EXPECT_LT(mae_train_memory(builtin_model_config("mae_vit_base_patch16"), 0.9).per_image_bytes,
            base.per_image_bytes);
}

} // namespace
} // namespace mae
