// Following a run another process trains: its curves and status from the
// files in its folder, at several moments of the file clock.
#include "error_of.h"
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

// A run folder of `total` steps with the given metrics text.
std::string run_folder(const std::string& name, int64_t total, const std::string& metrics) {
  const std::string dir = test::train_tmp(name);
  TrainConfig c = test::tiny_train_config(dir);
  c.total_steps = total;
  std::ofstream(dir + "/config.json") << train_config_json(c);
  std::ofstream(dir + "/" + kMetricsName, std::ios::binary) << metrics;
  return dir;
}

void append(const std::string& dir, const std::string& text) {
  std::ofstream(dir + "/" + kMetricsName, std::ios::app | std::ios::binary) << text;
}

TEST(RunWatch, CurvesAndStatusFromTheRunsFiles) {
  const std::string empty = test::train_tmp("run_watch_none");
  EXPECT_THROW(RunWatcher(empty).look(), DataError); // no run there yet
  const std::string dir = run_folder(
      "run_watch", 30,
      R"({"step":10,"epoch":0.5,"loss":0.9,"lr":0.001,"img_per_s":100})"
      "\n"
      R"({"step":20,"epoch":1.0,"loss":0.7,"lr":0.002,"img_per_s":110,"knn_acc":0.4,"heldout_mse":0.03})"
      "\n"
      R"({"step":30,"epo)"); // a line being written
  write_checkpoint_at(dir, 20);
  const auto written = fs::last_write_time(dir + "/" + kMetricsName);
  const auto t0 = RunWatcher::Clock::now();

  RunWatcher w(dir);
  auto s = w.look(t0, written + std::chrono::seconds(5));
  EXPECT_TRUE(w.caught_up());
  EXPECT_EQ(s->state, TrainingState::Running);
  EXPECT_EQ(s->step, 20);
  EXPECT_EQ(s->total_steps, 30);
  ASSERT_EQ(s->loss.size(), 2u);
  EXPECT_DOUBLE_EQ(s->loss[1].second, 0.7);
  ASSERT_EQ(s->knn_accuracy.size(), 1u);
  EXPECT_EQ(s->knn_accuracy[0].first, 20);
  ASSERT_EQ(s->heldout_mse.size(), 1u);
  EXPECT_DOUBLE_EQ(s->heldout_mse[0].second, 0.03);
  EXPECT_NE(s->message.find("running, step 20 of 30"), std::string::npos) << s->message;
  // Nothing changed a second later: the same snapshot, nothing copied.
  EXPECT_EQ(w.look(t0 + std::chrono::seconds(1)), s);

  // The torn line ends, another comes: read from where the last look stopped.
  append(dir, "ch\":1.2,\"loss\":0.6}\n{\"step\":25,\"loss\":0.65}\n");
  s = w.look(t0 + std::chrono::seconds(2));
  ASSERT_EQ(s->loss.size(), 4u);
  EXPECT_DOUBLE_EQ(s->loss[2].second, 0.6);
  EXPECT_EQ(s->step, 30); // the highest step seen, not the last line's

  // Quiet for longer than kStaleAfter since the last change seen, short of
  // its last step: stale.
  s = w.look(t0 + std::chrono::seconds(2) + kStaleAfter + std::chrono::seconds(1));
  EXPECT_EQ(s->state, TrainingState::Idle);
  EXPECT_NE(s->message.find("stale, no new metrics for 2 min"), std::string::npos) << s->message;
  EXPECT_NE(s->message.find("last checkpoint at step 20"), std::string::npos) << s->message;

  // Its checkpoint at the last step: finished, however long ago.
  write_checkpoint_at(dir, 30);
  s = w.look(t0 + std::chrono::hours(5));
  EXPECT_EQ(s->state, TrainingState::Finished);

  // A new run in the folder (`mae train --force`): its metrics from the start.
  fs::remove(dir + "/" + kMetricsName);
  append(dir, R"({"step":1,"loss":2.0})"
              "\n");
  s = w.look(t0 + std::chrono::hours(6));
  ASSERT_EQ(s->loss.size(), 1u);
  EXPECT_EQ(s->step, 1);
}

// A shared file system's clock minutes ahead (or a file touched into the
// future) showed "running" for hours; one behind, "stale" at every look.
// Quiet is timed from the changes this machine sees.
TEST(RunWatch, QuietIsTimedByThisMachinesClock) {
  const std::string dir = run_folder("run_watch_clock", 30,
                                     R"({"step":5,"loss":1.0})"
                                     "\n");
  const auto written = fs::last_write_time(dir + "/" + kMetricsName);
  const auto t0 = RunWatcher::Clock::now();
  RunWatcher ahead(dir);
  EXPECT_EQ(ahead.look(t0, written - std::chrono::hours(3))->state, TrainingState::Running);
  EXPECT_EQ(ahead.look(t0 + kStaleAfter + std::chrono::seconds(1))->state, TrainingState::Idle);

  RunWatcher behind(dir);
  EXPECT_EQ(behind.look(t0, written + std::chrono::minutes(10))->state, TrainingState::Idle);
  append(dir, R"({"step":6,"loss":0.9})"
              "\n");
  EXPECT_EQ(behind.look(t0 + std::chrono::seconds(1))->state, TrainingState::Running);
}

// A long metrics file is read a chunk a look (a frame never waits on all of
// it); a line no run writes (megabytes of an array) is passed over unparsed.
TEST(RunWatch, LongFilesAreReadAChunkALookAndHugeLinesPassedOver) {
  std::string text;
  for (int step = 1; step <= 2000; ++step)
    text += "{\"step\":" + std::to_string(step) + ",\"loss\":0.5}\n";
  text += "{\"step\":2001,\"x\":[" + std::string(200000, '1') + "]}\n";
  text += "{\"step\":2002,\"loss\":0.25}\n";
  const std::string dir = run_folder("run_watch_long", 3000, text);
  RunWatcher w(dir, 4096);
  std::shared_ptr<const TrainingSnapshot> s;
  int looks = 0;
  do {
    s = w.look();
    ++looks;
  } while (!w.caught_up() && looks < 1000);
  EXPECT_TRUE(w.caught_up());
  EXPECT_GT(looks, 10);
  ASSERT_EQ(s->loss.size(), 2001u);
  EXPECT_DOUBLE_EQ(s->loss.back().second, 0.25);
  EXPECT_EQ(s->step, 2002);
  // Lines left out are counted in the status: the huge one, and these.
  append(dir, "garbage line\n[1,2]\n\n{\"step\":9000,\"loss\":\"NaN\"}\n");
  s = w.look();
  EXPECT_EQ(s->step, 2002); // not 9000: that line is not a run's
  EXPECT_NE(s->message.find("; 4 metrics lines left out"), std::string::npos) << s->message;
}

// What is wrong with a folder is said, file and reason.
TEST(RunWatch, AFolderThatIsNoRunSaysWhichFileAndWhy) {
  const std::string dir = run_folder("run_watch_errors", 30, "");
  fs::remove(dir + "/" + kMetricsName);
  fs::create_directory(dir + "/" + kMetricsName);
  std::string why = test::error_of([&] { RunWatcher(dir).look(); });
  EXPECT_NE(why.find(kMetricsName), std::string::npos) << why;
  EXPECT_NE(why.find("directory"), std::string::npos) << why;
  fs::remove(dir + "/" + kMetricsName);
  std::ofstream(dir + "/" + kMetricsName) << R"({"step":1,"loss":1})"
                                          << "\n";
  RunWatcher w(dir);
  EXPECT_EQ(w.look()->step, 1);
  fs::remove_all(dir);
  why = test::error_of([&] { w.look(); });
  EXPECT_NE(why.find("no longer exists"), std::string::npos) << why;
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
  RunWatcher w(o.out_dir);
  auto s = w.look();
  EXPECT_EQ(s->preview_step, 4);
  ASSERT_EQ(s->previews.size(), 4u);
  const auto live = trainer.previews(4); // the same fixed images and mask
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(s->previews[i].original.pixels, live[i].original.pixels) << i;
    EXPECT_EQ(s->previews[i].masked.pixels, live[i].masked.pixels) << i;
    EXPECT_EQ(s->previews[i].reconstruction_visible.width, live[i].reconstruction_visible.width);
  }

  std::ofstream(o.out_dir + "/" + kPreviewFileName, std::ios::trunc) << "not a preview file";
  s = w.look();
  EXPECT_TRUE(s->previews.empty());
  EXPECT_EQ(s->preview_step, -1);
  EXPECT_EQ(s->step, 4); // the curves are still there
  EXPECT_NE(s->message.find("; previews not shown: " + o.out_dir + "/" + kPreviewFileName),
            std::string::npos)
      << s->message;
}

// A preview file naming an image larger than any preview (a hostile or
// corrupt file: it would be copied whole into memory) is refused, saying so.
TEST(RunWatch, APreviewLargerThanAnyIsRefused) {
  const std::string dir = test::train_tmp("run_watch_big_preview");
  const std::string path = dir + "/" + kPreviewFileName;
  std::vector<uint8_t> column(static_cast<size_t>(kMostPreviewSide) + 1, 7);
  std::vector<SafetensorsEntry> entries;
  for (const char* part : {"0.masked", "0.reconstruction_visible", "0.original"})
    entries.push_back(
        {part, DType::U8, {kMostPreviewSide + 1, 1, 1}, column.data(), column.size()});
  write_safetensors(path, entries, {{"step", "5"}, {"rows", "1"}});
  const std::string why = test::error_of([&] { read_preview_file(path); });
  EXPECT_NE(why.find("larger than any preview"), std::string::npos) << why;

  column.resize(static_cast<size_t>(kMostPreviewSide));
  for (SafetensorsEntry& e : entries)
    e = {e.name, DType::U8, {kMostPreviewSide, 1, 1}, column.data(), column.size()};
  write_safetensors(path, entries, {{"step", "5"}, {"rows", "1"}});
  EXPECT_EQ(read_preview_file(path).previews.at(0).original.height, kMostPreviewSide);
}

} // namespace
} // namespace mae
