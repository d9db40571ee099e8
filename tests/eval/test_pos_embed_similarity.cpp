// The cosine-similarity grid of position embeddings.
#include "tiny_models.h"

#include "base/errors.h"
#include "eval/pos_embed_similarity.h"
#include "model/pos_embed.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

namespace mae {
namespace {

TEST(PosEmbedSimilarity, DiagonalIsOneAndTheGridIsSymmetric) {
  torch::manual_seed(2);
  for (const auto& pos : {sincos_pos_embed_2d(32, 4, 4), torch::randn({1, 17, 24})}) {
    const auto sim = pos_embed_similarity(pos);
    ASSERT_EQ(sim.sizes(), (std::vector<int64_t>{16, 16}));
    EXPECT_LT((sim.diagonal() - 1).abs().max().item<float>(), 1e-5);
    EXPECT_TRUE(torch::allclose(sim, sim.t(), 0, 1e-6));
    EXPECT_LE(sim.abs().max().item<float>(), 1.0f + 1e-5f);
  }
  // The cls row is left out: [L, D] rows give the same grid.
  const auto pos = sincos_pos_embed_2d(32, 4, 4);
  EXPECT_TRUE(torch::allclose(pos_embed_similarity(pos), pos_embed_similarity(pos[0].slice(0, 1))));
  EXPECT_THROW(pos_embed_similarity(torch::zeros({2, 3, 4, 5})), UsageError);
}

TEST(PosEmbedSimilarity, SinCosNeighboursAreMoreAlikeThanFarPatches) {
  const int g = 8;
  const auto sim = pos_embed_similarity(sincos_pos_embed_2d(64, g, g));
  for (int i = 0; i < g * g; ++i) {
    const int r = i / g, c = i % g;
    float nearest = -2.0f, farthest = 2.0f;
    for (int j = 0; j < g * g; ++j) {
      const int d = std::abs(j / g - r) + std::abs(j % g - c);
      const float s = sim[i][j].item<float>();
      if (d == 1)
        nearest = std::max(nearest, s);
      if (d >= g / 2)
        farthest = std::min(farthest, s);
    }
    EXPECT_GT(nearest, farthest) << "patch " << i;
  }
}

TEST(PosEmbedSimilarity, ModelGridUsesEitherTable) {
  MaskedAutoencoderViT model(test::model_config(32, 8, 3, 32, 1, 4, 16, 1, 2));
  const PosEmbedGrid enc = pos_embed_grid(model, AttentionStack::Encoder);
  const PosEmbedGrid dec = pos_embed_grid(model, AttentionStack::Decoder);
  EXPECT_EQ(enc.grid_h, 4);
  EXPECT_EQ(enc.grid_w, 4);
  ASSERT_EQ(enc.similarity.size(), 256u);
  ASSERT_EQ(dec.similarity.size(), 256u);
  const auto expected = pos_embed_similarity(sincos_pos_embed_2d(16, 4, 4));
  for (int i = 0; i < 256; ++i)
    EXPECT_NEAR(dec.similarity[i], expected[i / 16][i % 16].item<float>(), 1e-5);
  MaskedAutoencoderViT encoder_only(test::model_config(32, 8, 3, 32, 1, 4, 16, 1, 2), false);
  EXPECT_THROW(pos_embed_grid(encoder_only, AttentionStack::Decoder), UsageError);
}

} // namespace
} // namespace mae
