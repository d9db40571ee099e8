// The How-it-works stages of one forward pass: each must be what the model
// really did (which patches it kept, in which order, what the loss was made
// of), not a picture drawn beside it.
#include "tiny_models.h"

#include "eval/reconstruction_tensors.h"
#include "model/flops.h"
#include "model/masking.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace mae {
namespace {

struct Traced {
  MaskedAutoencoderViT model;
  torch::Tensor imgs, scores;
  MaeOutput out;
  ForwardTrace trace;

  Traced(bool norm_pix, double ratio) : model(config(norm_pix)) {
    torch::manual_seed(5);
    model->eval();
    torch::NoGradGuard no_grad;
    imgs = torch::randn({1, 3, 32, 32});
    MaskSettings settings;
    settings.ratio = ratio;
    settings.seed = 3;
    scores = mask_scores(settings, 1, 4, 4);
    out = model->forward(imgs, scores, settings.num_kept(4, 4));
    trace = forward_trace(model, imgs, scores, out);
  }
  static ModelConfig config(bool norm_pix) {
    ModelConfig c = test::model_config(32, 8, 3, 32, 2, 4, 16, 1, 2);
    c.norm_pix_loss = norm_pix;
    return c;
  }
};

TEST(ForwardTrace, KeptPatchesAreTheLowestScoresInTheEncodersOrder) {
  const Traced t(false, 0.75);
  ASSERT_EQ(t.trace.patches, 16);
  ASSERT_EQ(t.trace.kept.size(), 4u);
  ASSERT_EQ(t.trace.scores.size(), 16u);
  // The kept ones are the four lowest scores, in ascending order of score.
  std::vector<int> by_score(16);
  std::iota(by_score.begin(), by_score.end(), 0);
  std::stable_sort(by_score.begin(), by_score.end(),
                   [&](int a, int b) { return t.trace.scores[a] < t.trace.scores[b]; });
  EXPECT_EQ(t.trace.kept, std::vector<int>(by_score.begin(), by_score.begin() + 4));
  // And exactly the patches the model's mask leaves visible.
  for (int i = 0; i < 16; ++i) {
    const bool kept = std::count(t.trace.kept.begin(), t.trace.kept.end(), i) > 0;
    EXPECT_EQ(kept, t.out.mask[0][i].item<float>() == 0) << i;
  }
}

TEST(ForwardTrace, TheLossIsTheMeanPatchLossOverRemovedPatches) {
  for (const bool norm_pix : {false, true}) {
    const Traced t(norm_pix, 0.5);
    ASSERT_EQ(t.trace.patch_loss.size(), 16u);
    double sum = 0;
    int removed = 0;
    for (int i = 0; i < 16; ++i)
      if (t.out.mask[0][i].item<float>() == 1)
        sum += t.trace.patch_loss[i], ++removed;
    EXPECT_EQ(removed, 8);
    EXPECT_NEAR(sum / removed, t.out.loss.item<double>(), 1e-5) << norm_pix;
  }
}

TEST(ForwardTrace, TokensBecomeColoursThatUseTheWholeRange) {
  const Traced t(false, 0.5);
  ASSERT_EQ(t.trace.latent_rgb.size(), 8u * 3);
  ASSERT_EQ(t.trace.decoder_rgb.size(), 16u * 3);
  // Each principal component is stretched over [0, 255].
  for (int k = 0; k < 3; ++k) {
    uint8_t lo = 255, hi = 0;
    for (size_t i = k; i < t.trace.decoder_rgb.size(); i += 3)
      lo = std::min(lo, t.trace.decoder_rgb[i]), hi = std::max(hi, t.trace.decoder_rgb[i]);
    EXPECT_EQ(lo, 0);
    EXPECT_EQ(hi, 255);
  }
  // Different tokens, different colours (position embeddings tell even the
  // mask tokens apart).
  std::set<std::vector<uint8_t>> colours;
  for (size_t i = 0; i < 16; ++i)
    colours.insert({t.trace.decoder_rgb.begin() + i * 3, t.trace.decoder_rgb.begin() + i * 3 + 3});
  EXPECT_GT(colours.size(), 12u);
}

TEST(ForwardTrace, EncoderFlopsShrinkWithTheKeptTokens) {
  const Traced t(false, 0.75);
  EXPECT_DOUBLE_EQ(t.trace.encoder_flops, encoder_blocks_flops(Traced::config(false), 5));
  EXPECT_DOUBLE_EQ(t.trace.full_encoder_flops, encoder_blocks_flops(Traced::config(false), 17));
  EXPECT_GT(t.trace.full_encoder_flops / t.trace.encoder_flops, 3.0);
}

} // namespace
} // namespace mae
