// Following a run another process trains: its curves and status from the
// files in its folder, at several moments of the file clock.
#include "trainer_fixture.h"

#include "base/errors.h"
#include "formats/safetensors.h"
#include "train/preview_file.h"
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
      << R"({"step":20,"epoch":1.0,"loss":0.7,"lr":0.002,"img_per_s":110,"knn_acc":0.4,"heldout_mse":0.03})"
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
  ASSERT_EQ(s.heldout_mse.size(), 1u);
  EXPECT_DOUBLE_EQ(s.heldout_mse[0].second, 0.03);
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

// A real run's previews.safetensors (written at its last probe) reaches the
// follower as the preview rows; a damaged one is passed over.
TEST_F(TrainerTest, AFollowedRunShowsThePreviewsOfItsLastProbe) {
  TrainConfig c = test::tiny_train_config(shards_);
  c.total_steps = 4;
  TrainOptions o;
  o.out_dir = test::train_tmp("run_watch_previews");
  Trainer trainer(c, o);
  Quiet q;
  trainer.run(q);
  TrainingSnapshot s = watch_run(o.out_dir);
  EXPECT_EQ(s.preview_step, 4);
  ASSERT_EQ(s.previews.size(), 4u);
  const auto live = trainer.previews(4); // the same fixed images and mask
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(s.previews[i].original.pixels, live[i].original.pixels) << i;
    EXPECT_EQ(s.previews[i].masked.pixels, live[i].masked.pixels) << i;
    EXPECT_EQ(s.previews[i].reconstruction_visible.width, live[i].reconstruction_visible.width);
  }

  std::ofstream(o.out_dir + "/" + kPreviewFileName, std::ios::trunc) << "not a preview file";
  s = watch_run(o.out_dir);
  EXPECT_TRUE(s.previews.empty());
  EXPECT_EQ(s.preview_step, -1);
  EXPECT_EQ(s.step, 4); // the curves are still there
}

} // namespace
} // namespace mae
