#include "base/errors.h"
#include "model/add_layer_norm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace mae {
namespace {

struct Inputs {
  torch::Tensor x, delta, weight, bias;
  std::vector<torch::Tensor> all() const { return {x, delta, weight, bias}; }
};

Inputs random_inputs(int64_t rows, int64_t cols) {
  const auto leaf = [](torch::Tensor t) { return t.requires_grad_(true); };
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  return {leaf(torch::randn({2, rows, cols}, opts) * 2 + 0.5),
          leaf(torch::randn({2, rows, cols}, opts)), leaf(torch::rand({cols}, opts) + 0.5),
          leaf(torch::randn({cols}, opts) * 0.1)};
}

// Gradients of sum(normed * a) + sum(stream * b), either term optional.
std::vector<torch::Tensor> gradients(const Residual& r, const Inputs& in, bool use_normed,
                                     bool use_stream) {
  torch::manual_seed(11);
  auto loss = torch::zeros({}, torch::kFloat64);
  if (use_normed)
    loss = loss + (r.normed * torch::randn_like(r.normed)).sum();
  if (use_stream)
    loss = loss + (r.stream * torch::randn_like(r.stream)).sum();
  return torch::autograd::grad({loss}, in.all(), {}, /*retain_graph=*/true, false,
                               /*allow_unused=*/true);
}

TEST(AddLayerNorm, FusedOpAndItsBackwardAreAddThenLayerNorm) {
  torch::manual_seed(5);
  const auto in = random_inputs(7, 40);
  const auto fused = add_layer_norm_fused(in.x, in.delta, in.weight, in.bias, 1e-6);
  const auto stream = in.x + in.delta;
  const Residual aten{stream, torch::layer_norm(stream, {40}, in.weight, in.bias, 1e-6)};
  EXPECT_TRUE(torch::allclose(fused.stream, aten.stream, 0, 0));
  EXPECT_TRUE(torch::allclose(fused.normed, aten.normed, 1e-12, 1e-12));

  // Both outputs used (a block's first add), only the normed rows (the last
  // block's), and only the stream.
  for (const auto& [use_normed, use_stream] :
       {std::pair{true, true}, {true, false}, {false, true}}) {
    SCOPED_TRACE(std::to_string(use_normed) + std::to_string(use_stream));
    const auto got = gradients(fused, in, use_normed, use_stream);
    const auto want = gradients(aten, in, use_normed, use_stream);
    const char* names[] = {"x", "delta", "weight", "bias"};
    for (size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE(names[i]);
      ASSERT_EQ(got[i].defined(), want[i].defined());
      if (want[i].defined())
        EXPECT_TRUE(torch::allclose(got[i], want[i], 1e-10, 1e-10));
    }
  }
}

TEST(AddLayerNorm, CheckAgainstAtenPassesOnTheCpu) {
  // The same comparison `--fused-norm` runs on CUDA before it trusts the kernels.
  EXPECT_NO_THROW(check_fused_norm(torch::Device(torch::kCPU)));
}

TEST(AddLayerNorm, WithoutKernelsTheModelKeepsAtensAddAndLayerNorm) {
  torch::manual_seed(2);
  torch::nn::LayerNorm norm(torch::nn::LayerNormOptions({16}).eps(1e-6));
  norm->weight.data().uniform_(0.5, 1.5);
  const auto x = torch::randn({3, 5, 16}), delta = torch::randn({3, 5, 16});
  set_fused_norm(true);
  const auto r = add_layer_norm(x, delta, norm);
  set_fused_norm(false);
  EXPECT_TRUE(torch::equal(r.stream, x + delta));
  EXPECT_TRUE(torch::equal(r.normed, norm(x + delta)));
  const auto first = add_layer_norm(x, torch::Tensor(), norm);
  EXPECT_TRUE(first.stream.is_same(x));
  EXPECT_TRUE(torch::equal(first.normed, norm(x)));
}

TEST(AddLayerNorm, FusedOpRejectsMismatchedShapes) {
  const auto x = torch::randn({4, 8});
  EXPECT_THROW(
      add_layer_norm_fused(x, torch::randn({4, 9}), torch::ones({8}), torch::zeros({8}), 1e-6),
      UsageError);
  EXPECT_THROW(
      add_layer_norm_fused(x, torch::randn({4, 8}), torch::ones({9}), torch::zeros({9}), 1e-6),
      UsageError);
}

} // namespace
} // namespace mae
