// AdamW against torch::optim::AdamW, weight-decay groups, gradient clipping.
#include "test_util.h"
#include "train_test_util.h"

#include "model/mae_model.h"
#include "train/adamw.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace mae {
namespace {

TEST(WeightDecayGroups, MatricesDecayBiasesAndNormsDoNotFixedPositionsAreOut) {
  MaskedAutoencoderViT model(test::tiny_model());
  const ParamGroups g = weight_decay_groups(*model);
  const auto has = [](const NamedTensors& v, const std::string& name) {
    for (const auto& [n, t] : v)
      if (n == name)
        return true;
    return false;
  };
  for (const char* n :
       {"patch_embed.proj.weight", "blocks.0.attn.qkv.weight", "blocks.0.mlp.fc2.weight",
        "decoder_embed.weight", "decoder_pred.weight", "cls_token", "mask_token"})
    EXPECT_TRUE(has(g.decay, n)) << n;
  for (const char* n :
       {"patch_embed.proj.bias", "blocks.0.attn.qkv.bias", "blocks.0.norm1.weight",
        "blocks.0.norm1.bias", "norm.weight", "decoder_norm.bias", "decoder_pred.bias"})
    EXPECT_TRUE(has(g.no_decay, n)) << n;
  for (const char* n : {"pos_embed", "decoder_pos_embed"}) {
    EXPECT_FALSE(has(g.decay, n)) << n;
    EXPECT_FALSE(has(g.no_decay, n)) << n;
  }
  EXPECT_EQ(g.decay.size() + g.no_decay.size() + 2, model->named_parameters().size());
}

TEST(AdamW, MatchesTorchOptimAdamW) {
  torch::manual_seed(0);
  auto w1 = torch::randn({4, 3}, torch::requires_grad()),
       b1 = torch::randn({3}, torch::requires_grad());
  auto w2 = w1.detach().clone().requires_grad_(), b2 = b1.detach().clone().requires_grad_();
  ParamGroups groups;
  groups.decay = {{"w", w1}};
  groups.no_decay = {{"b", b1}};
  AdamW ours(groups, {0.05});
  std::vector<torch::optim::OptimizerParamGroup> pg;
  pg.emplace_back(std::vector<torch::Tensor>{w2},
                  std::make_unique<torch::optim::AdamWOptions>(
                      torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).weight_decay(0.05)));
  pg.emplace_back(std::vector<torch::Tensor>{b2},
                  std::make_unique<torch::optim::AdamWOptions>(
                      torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).weight_decay(0.0)));
  torch::optim::AdamW theirs(std::move(pg));
  for (int step = 0; step < 5; ++step) {
    const auto x = torch::randn({2, 4});
    ours.zero_grad();
    theirs.zero_grad();
    (x.mm(w1) + b1).pow(2).sum().backward();
    (x.mm(w2) + b2).pow(2).sum().backward();
    ours.step(1e-2);
    theirs.step();
  }
  EXPECT_LT(test::max_abs_diff(w1, w2), 1e-6);
  EXPECT_LT(test::max_abs_diff(b1, b2), 1e-6);
}

TEST(ClipGradNorm, ScalesToTheMaximum) {
  auto p = torch::zeros({2}, torch::requires_grad());
  (p * torch::tensor({3.0f, 4.0f})).sum().backward(); // grad (3, 4), norm 5
  ParamGroups g;
  g.decay = {{"p", p}};
  clip_grad_norm(g, 1.0);
  EXPECT_NEAR(p.grad().norm().item<double>(), 1.0, 1e-5);
}

} // namespace
} // namespace mae
