// The k-NN probe on separable clusters.
#include "eval/knn_probe.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace mae {
namespace {

TEST(KnnProbe, SeparatesClusters) {
  torch::manual_seed(0);
  const auto centres = torch::randn({3, 8}) * 5;
  const auto bank_labels = torch::arange(60, torch::kInt64) % 3;
  const auto query_labels = torch::arange(30, torch::kInt64) % 3;
  const auto bank = centres.index_select(0, bank_labels) + torch::randn({60, 8}) * 0.3;
  const auto queries = centres.index_select(0, query_labels) + torch::randn({30, 8}) * 0.3;
  EXPECT_DOUBLE_EQ(knn_accuracy(bank, bank_labels, queries, query_labels, 3, 20, 0.07), 1.0);
  EXPECT_LT(knn_accuracy(bank, bank_labels, queries, (query_labels + 1) % 3, 3, 20, 0.07), 0.1);
}

} // namespace
} // namespace mae
