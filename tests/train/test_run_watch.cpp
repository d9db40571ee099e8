// Following a run another process trains: its curves and status from the
// files in its folder, at several moments of the file clock.
#include "train_test_util.h"

#include "base/errors.h"
#include "formats/safetensors.h"
#include "train/run_watch.h"
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace mae {
namespace {

void write_checkpoint_at(const std::string& dir, int64_t step) {
  const float x = 1;
  write_safetensors(dir + "/" + kTrainStateName, {{"x", DType::F32, {1}, &x, sizeof x}},
                    {{"step", std::to_string(step)}});
}

TEST(RunWatch, CurvesAndStatusFromTheRunsFiles) {
  const std::string dir = test::train_tmp("run_watch");
  EXPECT_THROW(watch_run(dir), DataError); // no run there yet
  TrainConfig c = test::tiny_train_config(dir);
  c.total_steps = 30;
  std::ofstream(dir + "/config.json") << train_config_json(c);
  {
    std::ofstream m(dir + "/" + kMetricsName);
    m << R"({"step":10,"epoch":0.5,"loss":0.9,"lr":0.001,"img_per_s":100})"
      << "\n"
      << R"({"step":20,"epoch":1.0,"loss":0.7,"lr":0.002,"img_per_s":110,"knn_acc":0.4})"
      << "\n"
      << R"({"step":30,"epo)"; // a line being written
  }
  write_checkpoint_at(dir, 20);
  const auto written = fs::last_write_time(dir + "/" + kMetricsName);

  TrainingSnapshot s = watch_run(dir, written + std::chrono::seconds(5));
  EXPECT_EQ(s.state, TrainingState::Running);
  EXPECT_EQ(s.step, 20);
  EXPECT_EQ(s.total_steps, 30);
  ASSERT_EQ(s.loss.size(), 2u);
  EXPECT_DOUBLE_EQ(s.loss[1].second, 0.7);
  ASSERT_EQ(s.knn_accuracy.size(), 1u);
  EXPECT_EQ(s.knn_accuracy[0].first, 20);
  EXPECT_NE(s.message.find("running, step 20 of 30"), std::string::npos) << s.message;

  // Quiet for longer than kStaleAfter, short of its last step: stale.
  s = watch_run(dir, written + kStaleAfter + std::chrono::seconds(1));
  EXPECT_EQ(s.state, TrainingState::Idle);
  EXPECT_NE(s.message.find("stale"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("last checkpoint at step 20"), std::string::npos) << s.message;

  // Its checkpoint at the last step: finished, however long ago.
  write_checkpoint_at(dir, 30);
  s = watch_run(dir, written + std::chrono::hours(5));
  EXPECT_EQ(s.state, TrainingState::Finished);
}

} // namespace
} // namespace mae
