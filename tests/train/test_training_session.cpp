// The GUI's TrainingSession: pause, resume, stop, export, resumed curves,
// failures.
#include "trainer_fixture.h"

#include "base/errors.h"
#include "train/train_state.h"
#include "train/training_session.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <thread>

namespace fs = std::filesystem;

namespace mae {
namespace {

TEST_F(TrainerTest, SessionPausesResumesStopsAndExports) {
  TrainConfig c = test::tiny_train_config(shards_);
  c.total_steps = 100000;
  TrainingSessionOptions o;
  o.train.out_dir = test::train_tmp("session");
  o.preview_every = 2;
  o.preview_count = 2;
  TrainingSession session(c, o);
  EXPECT_EQ(session.snapshot()->state, TrainingState::Idle);
  session.start();
  const auto wait_for = [&](auto pred) {
    for (int i = 0; i < 600 && !pred(*session.snapshot()); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return pred(*session.snapshot());
  };
  ASSERT_TRUE(wait_for([](const TrainingSnapshot& s) {
    return s.step >= 3 && !s.previews.empty();
  })) << session.snapshot()->error;
  session.pause();
  ASSERT_TRUE(wait_for([](const TrainingSnapshot& s) { return s.state == TrainingState::Paused; }));
  const int64_t paused_at = session.snapshot()->step;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(session.snapshot()->step, paused_at);
  session.export_model(o.train.out_dir + "/exported.safetensors"); // served while paused
  ASSERT_TRUE(wait_for(
      [](const TrainingSnapshot& s) { return s.message.find("exported") != std::string::npos; }));
  session.resume();
  ASSERT_TRUE(wait_for([&](const TrainingSnapshot& s) { return s.step > paused_at + 1; }));
  session.stop();
  ASSERT_TRUE(session.wait(30));
  const auto snap = session.snapshot();
  EXPECT_EQ(snap->state, TrainingState::Finished);
  EXPECT_TRUE(snap->stopped_early);
  EXPECT_FALSE(snap->loss.empty());
  EXPECT_EQ(snap->loss.size(), snap->lr.size());
  ASSERT_EQ(snap->previews.size(), 2u);
  EXPECT_EQ(snap->previews[0].masked.width, 16);
  EXPECT_NO_THROW(load_model(o.train.out_dir + "/exported.safetensors"));
  EXPECT_EQ(read_train_state(snap->checkpoint_path).metadata.at("step"),
            std::to_string(snap->step));
  session.save_checkpoint(o.train.out_dir + "/after"); // still served once finished
  ASSERT_TRUE(wait_for(
      [](const TrainingSnapshot& s) { return s.message.find("saved") != std::string::npos; }));
  EXPECT_TRUE(fs::exists(o.train.out_dir + "/after/model.safetensors"));
}

TEST_F(TrainerTest, SessionResumingARunContinuesItsCurves) {
  const TrainConfig c = test::tiny_train_config(shards_); // 6 steps, a metrics line each
  const std::string first = test::train_tmp("session_resume_first");
  {
    Trainer t(c, {first});
    StopAt stop(3);
    t.run(stop);
  }
  const auto steps_of = [](const TrainingSnapshot& s) {
    std::vector<int64_t> steps;
    for (const auto& point : s.loss)
      steps.push_back(point.first);
    return steps;
  };
  const std::vector<int64_t> all_steps{1, 2, 3, 4, 5, 6};
  // Into a new directory, then in place: either way the curves start at step 1.
  for (const std::string& out : {test::train_tmp("session_resume_elsewhere"), first}) {
    TrainingSessionOptions o;
    o.train.out_dir = out;
    o.train.resume = first + "/checkpoint.safetensors";
    o.preview_every = 0;
    TrainingSession session(c, o);
    session.start();
    ASSERT_TRUE(session.wait(60));
    const auto snap = session.snapshot();
    ASSERT_EQ(snap->state, TrainingState::Finished) << snap->error;
    EXPECT_EQ(steps_of(*snap), all_steps) << out;
    EXPECT_EQ(snap->lr.size(), 6u);
  }
}

TEST_F(TrainerTest, SessionReportsFailures) {
  TrainConfig c = test::tiny_train_config(shards_ + "/missing");
  TrainingSessionOptions o;
  o.train.out_dir = test::train_tmp("session_fail");
  TrainingSession session(c, o);
  session.start();
  ASSERT_TRUE(session.wait(30));
  EXPECT_EQ(session.snapshot()->state, TrainingState::Failed);
  EXPECT_NE(session.snapshot()->error.find("index.safetensors"), std::string::npos)
      << session.snapshot()->error;
}

} // namespace
} // namespace mae
