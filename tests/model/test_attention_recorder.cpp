// The recorded attention weights are the ones the forward pass uses, and
// recording leaves the forward's output as it was.
#include "error_of.h"
#include "tiny_models.h"

#include "base/errors.h"
#include "model/attention_recorder.h"
#include "model/mae_model.h"
#include "model/masking.h"
#include "model/vit_block.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace mae {
namespace {

using test::error_of;

// 32 px, patch 8 (a 4 x 4 grid): two encoder blocks of 4 heads, one decoder block of 2.
ModelConfig small_config() {
  return test::model_config(32, 8, 3, 32, 2, 4, 16, 1, 2);
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(AttentionRecording, WeightsAreSoftmaxRowsThatReproduceTheOutput) {
  torch::manual_seed(3);
  Attention attn(32, 4);
  const auto x = torch::randn({2, 7, 32});
  torch::NoGradGuard no_grad;
  const auto fast = attn(x);

  torch::Tensor weights;
  attn->record_into(&weights);
  const auto recorded = attn(x);
  attn->record_into(nullptr);

  ASSERT_TRUE(weights.defined());
  ASSERT_EQ(weights.sizes(), (std::vector<int64_t>{2, 4, 7, 7}));
  EXPECT_LT(max_diff(weights.sum(-1), torch::ones({2, 4, 7})), 1e-5);
  EXPECT_GE(weights.min().item<float>(), 0.0f);
  // Recording gives the same output as the fast path.
  EXPECT_LT(max_diff(recorded, fast), 1e-5);

  // softmax(q k^T / sqrt(d)) from the module's own projections ...
  const auto qkv = attn->qkv(x).view({2, 7, 3, 4, 8});
  const auto q = qkv.select(2, 0).transpose(1, 2), k = qkv.select(2, 1).transpose(1, 2),
             v = qkv.select(2, 2).transpose(1, 2);
  EXPECT_EQ(attn->num_heads(), 4);
  EXPECT_DOUBLE_EQ(attn->scale(), 1.0 / std::sqrt(8.0));
  const auto expected = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(8.0), -1);
  EXPECT_LT(max_diff(weights, expected), 1e-6);
  // ... and attention @ v through proj is the block's attention output.
  const auto out = attn->proj(torch::matmul(weights, v).transpose(1, 2).reshape({2, 7, 32}));
  EXPECT_LT(max_diff(out, fast), 1e-5);

  // Once cleared, forward no longer writes the weights.
  weights = torch::Tensor();
  attn(x);
  EXPECT_FALSE(weights.defined());
}

TEST(AttentionRecording, RecorderLeavesTheModelOutputUnchanged) {
  torch::manual_seed(4);
  MaskedAutoencoderViT model(small_config());
  model->eval();
  torch::NoGradGuard no_grad;
  const auto imgs = torch::randn({2, 3, 32, 32});
  MaskSettings settings;
  settings.seed = 5;
  const auto scores = mask_scores(settings, 2, 4, 4);
  const int64_t keep = settings.num_kept(4, 4); // 4
  const MaeOutput before = model->forward(imgs, scores, keep);
  MaeOutput during;
  {
    AttentionRecorder encoder(model, AttentionStack::Encoder);
    AttentionRecorder decoder(model, AttentionStack::Decoder);
    during = model->forward(imgs, scores, keep);
    ASSERT_EQ(encoder.depth(), 2);
    ASSERT_EQ(decoder.depth(), 1);
    for (int64_t layer = 0; layer < 2; ++layer) {
      const auto& w = encoder.weights(layer);
      // The encoder attends over cls + the kept patches only.
      ASSERT_EQ(w.sizes(), (std::vector<int64_t>{2, 4, 1 + keep, 1 + keep}));
      EXPECT_LT(max_diff(w.sum(-1), torch::ones({2, 4, 1 + keep})), 1e-5);
    }
    const auto& wd = decoder.weights(0);
    // The decoder attends over cls + every patch.
    ASSERT_EQ(wd.sizes(), (std::vector<int64_t>{2, 2, 17, 17}));
    EXPECT_LT(max_diff(wd.sum(-1), torch::ones({2, 2, 17})), 1e-5);
  }
  const MaeOutput after = model->forward(imgs, scores, keep);
  EXPECT_LT(max_diff(during.pred, before.pred), 1e-5);
  EXPECT_LT(max_diff(during.latent, before.latent), 1e-5);
  EXPECT_TRUE(torch::equal(after.pred, before.pred));
  EXPECT_TRUE(torch::equal(after.latent, before.latent));
}

TEST(AttentionRecording, RecordsOnlyTheChosenLayers) {
  MaskedAutoencoderViT model(small_config());
  torch::NoGradGuard no_grad;
  AttentionRecorder recorder(model, AttentionStack::Encoder, {1});
  EXPECT_FALSE(recorder.records(0));
  EXPECT_TRUE(recorder.records(1));
  EXPECT_NE(error_of([&] { recorder.weights(1); }).find("no forward pass"), std::string::npos);
  const auto ids_keep = torch::arange(16, torch::kInt64).unsqueeze(0);
  model->forward_encoder(torch::randn({1, 3, 32, 32}), ids_keep);
  EXPECT_EQ(recorder.weights(1).sizes(), (std::vector<int64_t>{1, 4, 17, 17}));
  EXPECT_NE(error_of([&] { recorder.weights(0); }).find("layer 0 of the encoder is not recorded"),
            std::string::npos);

  const std::string range =
      error_of([&] { AttentionRecorder bad(model, AttentionStack::Encoder, {2}); });
  EXPECT_NE(range.find("layer 2"), std::string::npos) << range;
  EXPECT_NE(range.find("0 to 1"), std::string::npos) << range;
  MaskedAutoencoderViT encoder_only(small_config(), /*with_decoder=*/false);
  EXPECT_THROW(AttentionRecorder(encoder_only, AttentionStack::Decoder), UsageError);
}

TEST(AttentionRecording, ForwardEncoderMatchesTheFullForward) {
  torch::manual_seed(6);
  MaskedAutoencoderViT model(small_config());
  torch::NoGradGuard no_grad;
  const auto imgs = torch::randn({1, 3, 32, 32});
  MaskSettings settings;
  settings.seed = 2;
  const auto scores = mask_scores(settings, 1, 4, 4);
  const auto plan = plan_from_scores(scores, 4);
  const auto latent = model->forward_encoder(imgs, plan.ids_keep);
  EXPECT_TRUE(torch::equal(latent, model->forward(imgs, scores, 4).latent));
  EXPECT_THROW(model->forward_encoder(imgs, torch::zeros({1, 17}, torch::kInt64)), UsageError);
}

} // namespace
} // namespace mae
