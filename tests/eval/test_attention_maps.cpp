// Attention maps on the patch grid and the attention rollout, from a small
// random model's real forward pass.
#include "error_of.h"
#include "tiny_models.h"

#include "base/errors.h"
#include "eval/attention_maps.h"
#include "model/attention_recorder.h"
#include "model/masking.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <numeric>

namespace mae {
namespace {

using test::error_of;

// 32 px, patch 8 (a 4 x 4 grid): two encoder blocks of 4 heads, one decoder block of 2.
ModelConfig small_config() {
  return test::model_config(32, 8, 3, 32, 2, 4, 16, 1, 2);
}

struct Fixture {
  MaskedAutoencoderViT model{small_config()};
  torch::Tensor imgs, scores, kept; // kept: [16] 1 = the encoder sees it
  int64_t keep = 0;

  Fixture() {
    torch::manual_seed(11);
    // Larger q/k weights than the initialisation gives: attention far from uniform.
    torch::NoGradGuard no_grad;
    for (auto& p : model->named_parameters())
      if (p.key().find("qkv.weight") != std::string::npos)
        p.value().mul_(4.0);
    model->eval();
    imgs = torch::randn({1, 3, 32, 32});
    MaskSettings settings;
    settings.seed = 9;
    scores = mask_scores(settings, 1, 4, 4);
    keep = settings.num_kept(4, 4);
    kept = 1 - plan_from_scores(scores, keep).mask[0];
  }

  AttentionMap map(AttentionQuery q) { return attention_map(model, imgs, scores, keep, q); }
};

float total(const AttentionMap& m) {
  return std::accumulate(m.weights.begin(), m.weights.end(), 0.0f) + m.cls_weight;
}

int first_kept(const torch::Tensor& kept) {
  return static_cast<int>(kept.nonzero()[0][0].item<int64_t>());
}

TEST(AttentionRollout, RowsStayStochasticAndLayersMultiplyInOrder) {
  torch::manual_seed(1);
  std::vector<torch::Tensor> layers;
  for (int i = 0; i < 3; ++i)
    layers.push_back(torch::softmax(torch::randn({2, 3, 5, 5}) * 3, -1));
  const auto rollout = attention_rollout(layers);
  ASSERT_EQ(rollout.sizes(), (std::vector<int64_t>{2, 5, 5}));
  EXPECT_LT((rollout.sum(-1) - 1).abs().max().item<float>(), 1e-5);
  EXPECT_GE(rollout.min().item<float>(), 0.0f);

  // One layer: heads averaged, identity added, rows renormalised.
  const auto eye = torch::eye(5);
  const auto a0 = (layers[0].mean(1) + eye) / 2, a1 = (layers[1].mean(1) + eye) / 2;
  EXPECT_LT((attention_rollout({layers[0]}) - a0).abs().max().item<float>(), 1e-6);
  // Two layers: the later one on the left.
  EXPECT_LT(
      (attention_rollout({layers[0], layers[1]}) - torch::matmul(a1, a0)).abs().max().item<float>(),
      1e-6);
  EXPECT_THROW(attention_rollout({}), UsageError);
}

TEST(AttentionMaps, EncoderMapsCoverOnlyTheVisiblePatches) {
  Fixture f;
  ASSERT_EQ(f.keep, 4);
  for (int64_t layer : {0, 1}) {
    AttentionQuery q;
    q.layer = layer;
    const AttentionMap m = f.map(q);
    ASSERT_EQ(m.grid_h, 4);
    ASSERT_EQ(m.grid_w, 4);
    EXPECT_EQ(m.num_tokens, 1 + f.keep);
    EXPECT_EQ(m.num_heads, 4);
    for (int i = 0; i < 16; ++i) {
      EXPECT_EQ(m.visible[i], f.kept[i].item<float>() > 0.5f) << i;
      if (!m.visible[i])
        EXPECT_EQ(m.weights[i], 0.0f) << i;
      else
        EXPECT_GT(m.weights[i], 0.0f) << i;
    }
    // The query's row over cls + the visible patches sums to 1.
    EXPECT_NEAR(total(m), 1.0f, 1e-5);
  }
}

TEST(AttentionMaps, MapsAreTheRecordedRowsOnTheGrid) {
  Fixture f;
  const int patch = first_kept(f.kept);
  torch::NoGradGuard no_grad;
  const auto ids_keep = plan_from_scores(f.scores, f.keep).ids_keep;
  torch::Tensor weights;
  {
    AttentionRecorder recorder(f.model, AttentionStack::Encoder, {1});
    f.model->forward_encoder(f.imgs, ids_keep);
    weights = recorder.weights(1)[0]; // [H, N, N]
  }
  int64_t row = -1;
  for (int64_t j = 0; j < f.keep; ++j)
    if (ids_keep[0][j].item<int64_t>() == patch)
      row = 1 + j;
  ASSERT_GT(row, 0);
  std::vector<float> mean(16, 0.0f);
  for (int64_t head = 0; head < 4; ++head) {
    AttentionQuery q;
    q.layer = 1;
    q.head = head;
    q.patch = patch;
    const AttentionMap m = f.map(q);
    EXPECT_NEAR(m.cls_weight, weights[head][row][0].item<float>(), 1e-6);
    for (int64_t j = 0; j < f.keep; ++j)
      EXPECT_NEAR(m.weights[ids_keep[0][j].item<int64_t>()],
                  weights[head][row][1 + j].item<float>(), 1e-6);
    for (int i = 0; i < 16; ++i)
      mean[i] += m.weights[i] / 4;
  }
  AttentionQuery q;
  q.layer = 1;
  q.patch = patch;
  const AttentionMap m = f.map(q); // the mean over heads
  for (int i = 0; i < 16; ++i)
    EXPECT_NEAR(m.weights[i], mean[i], 1e-6) << i;
}

TEST(AttentionMaps, DecoderSeesEveryPatchAndRolloutRowsSumToOne) {
  Fixture f;
  AttentionQuery q;
  q.stack = AttentionStack::Decoder;
  q.patch = 0;
  const AttentionMap d = f.map(q);
  EXPECT_EQ(d.num_tokens, 17);
  EXPECT_EQ(d.num_heads, 2);
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(d.visible[i], 1);
    EXPECT_GT(d.weights[i], 0.0f);
  }
  EXPECT_NEAR(total(d), 1.0f, 1e-5);

  AttentionQuery r;
  r.rollout = true;
  r.layer = 1;
  r.patch = first_kept(f.kept);
  const AttentionMap m = f.map(r);
  EXPECT_NEAR(total(m), 1.0f, 1e-5);
  for (int i = 0; i < 16; ++i)
    if (!m.visible[i])
      EXPECT_EQ(m.weights[i], 0.0f);
  // The identity term: a patch's rollout keeps a good share on itself.
  EXPECT_GT(m.weights[r.patch], 0.25f);
  // Rollout through one layer is that layer's head mean, halfway to the identity.
  r.layer = 0;
  AttentionQuery one;
  one.patch = r.patch;
  const AttentionMap single = f.map(one), rolled = f.map(r);
  for (int i = 0; i < 16; ++i)
    EXPECT_NEAR(rolled.weights[i], (single.weights[i] + (i == r.patch ? 1.0f : 0.0f)) / 2, 1e-6);
}

TEST(AttentionMaps, BadIndicesNameTheArgumentAndTheRange) {
  Fixture f;
  const auto message = [&](auto edit) {
    AttentionQuery q;
    edit(q);
    return error_of([&] { f.map(q); });
  };
  const std::string layer = message([](AttentionQuery& q) { q.layer = 2; });
  EXPECT_NE(layer.find("layer 2 is out of range: the encoder has layers 0 to 1"), std::string::npos)
      << layer;
  const std::string decoder_layer = message([](AttentionQuery& q) {
    q.stack = AttentionStack::Decoder;
    q.layer = 1;
  });
  EXPECT_NE(decoder_layer.find("the decoder has layers 0 to 0"), std::string::npos)
      << decoder_layer;
  const std::string head = message([](AttentionQuery& q) { q.head = 4; });
  EXPECT_NE(head.find("head 4 is out of range: the encoder has heads 0 to 3"), std::string::npos)
      << head;
  const std::string patch = message([](AttentionQuery& q) { q.patch = 16; });
  EXPECT_NE(patch.find("patch 16 is out of range"), std::string::npos) << patch;
  EXPECT_NE(patch.find("0 to 15"), std::string::npos) << patch;
  const int removed = static_cast<int>((1 - f.kept).nonzero()[0][0].item<int64_t>());
  const std::string hidden = message([&](AttentionQuery& q) { q.patch = removed; });
  EXPECT_NE(hidden.find("removed by the mask"), std::string::npos) << hidden;
  // The decoder sees removed patches as mask tokens: the same query works there.
  AttentionQuery q;
  q.stack = AttentionStack::Decoder;
  q.patch = removed;
  EXPECT_NEAR(total(f.map(q)), 1.0f, 1e-5);
}

} // namespace
} // namespace mae
