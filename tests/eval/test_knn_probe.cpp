// The k-NN probe on separable clusters.
#include "test_util.h"
#include "trainer_fixture.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "data/augment.h"
#include "data/data_loader.h"
#include "data/fashion_mnist.h"
#include "eval/knn_probe.h"
#include "formats/safetensors.h"
#include "train/adamw.h"
#include "train/linear_probe.h"
#include "train/metrics_log.h"
#include "train/train_state.h"
#include "train/trainer.h"
#include "train/training_session.h"

#ifdef MAE_WITH_OPENCV
#include "data/image_folder.h"
#include "data/image_io.h"
#endif

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

namespace fs = std::filesystem;

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
