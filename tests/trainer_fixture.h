// What the trainer, session and loader tests share: observers that stop or
// stay quiet, a checkpoint's weights, and a fixture with labelled shards.
#pragma once

#include "train_test_util.h"

#include "checkpoint/checkpoint.h"
#include "train/trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

#include <unistd.h>

namespace mae {

// Stops the run before step `at`.
struct StopAt : TrainObserver {
  int64_t at;
  explicit StopAt(int64_t s) : at(s) {}
  bool before_step(Trainer& t) override { return t.step() < at; }
};

struct Quiet : TrainObserver {};

inline std::map<std::string, torch::Tensor> weights(const std::string& model_path) {
  std::map<std::string, torch::Tensor> out;
  LoadedModel loaded = load_model(model_path);
  for (const auto& [n, t] : model_state_dict(loaded.model))
    out[n] = t;
  return out;
}

class TrainerTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    // One thread: spinning OpenMP teams slow to a crawl on a busy 2-core machine.
    torch::set_num_threads(1);
    // Per process: ctest runs the tests of this suite in parallel processes.
    shards_ = test::train_tmp("trainer_shards_" + std::to_string(::getpid()));
    test::write_synthetic_shards(shards_, 64, 1, /*labelled=*/true);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(shards_); }
  inline static std::string shards_;
};

} // namespace mae
