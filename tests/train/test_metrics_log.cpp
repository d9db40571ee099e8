// metrics.jsonl across a resume, the progress bar.
#include "train_test_util.h"

#include "train/metrics_log.h"
#include "train/progress_bar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace mae {
namespace {

TEST(MetricsLog, ResumeDropsLinesAfterTheCheckpoint) {
  const std::string path = test::train_tmp("metrics") + "/metrics.jsonl";
  TrainProgress p;
  {
    MetricsLog log(path, -1);
    for (int s = 1; s <= 5; ++s) {
      p.step = s;
      p.loss = 1.0 / s;
      log.append(p);
    }
  }
  MetricsLog resumed(path, 3);
  p.step = 4;
  p.loss = 0.1;
  p.knn_accuracy = 0.5;
  p.heldout_mse = 0.0297;
  resumed.append(p);
  const auto records = read_metrics(path);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records.back().step, 4);
  EXPECT_DOUBLE_EQ(*records.back().loss, 0.1);
  EXPECT_DOUBLE_EQ(*records.back().knn_accuracy, 0.5);
  EXPECT_DOUBLE_EQ(*records.back().heldout_mse, 0.0297);
  EXPECT_FALSE(records.front().knn_accuracy);
  EXPECT_FALSE(records.front().heldout_mse);
  // The record a report makes in memory is the one its line reads back as.
  const MetricsRecord direct = metrics_record(p);
  EXPECT_EQ(direct.step, records.back().step);
  EXPECT_EQ(direct.loss, records.back().loss);
  EXPECT_EQ(direct.lr, records.back().lr);
  EXPECT_EQ(direct.images_per_s, records.back().images_per_s);
  EXPECT_EQ(direct.knn_accuracy, records.back().knn_accuracy);
  EXPECT_EQ(direct.heldout_mse, records.back().heldout_mse);
  TrainProgress probe_only; // no steps yet: no lr or speed, as in its line
  probe_only.knn_accuracy = 0.3;
  EXPECT_FALSE(metrics_record(probe_only).lr);
  EXPECT_FALSE(metrics_record(probe_only).images_per_s);
}

TEST(ProgressBar, Text) {
  TrainProgress p;
  p.step = 50;
  p.total_steps = 200;
  p.loss = 0.25;
  p.lr = 1e-3;
  p.images_per_s = 300;
  p.eta_s = 3725;
  const std::string s = progress_text(p, 8);
  EXPECT_NE(s.find("step 50/200 [##------]"), std::string::npos) << s;
  EXPECT_NE(s.find("loss 0.2500"), std::string::npos) << s;
  EXPECT_NE(s.find("ETA 1:02:05"), std::string::npos) << s;
  EXPECT_EQ(s.find("held-out"), std::string::npos) << s;
  p.heldout_mse = 0.02974;
  EXPECT_NE(progress_text(p, 8).find("held-out MSE 0.02974"), std::string::npos);
}

// The feature-extraction line of `mae probe`: count, bar, rate and time left.
TEST(ProgressBar, CountText) {
  std::string s = count_progress_text("features (test)", 2500, 10000, 5.0, 8);
  EXPECT_NE(s.find("features (test) 2500/10000 [##------]  25% 500 img/s ETA 0:15"),
            std::string::npos)
      << s;
  s = count_progress_text("features (test)", 10000, 10000, 20.0, 0);
  EXPECT_EQ(s, "features (test) 10000/10000 100% 500 img/s");
}

// Piped output gets whole lines, at most one per interval, and always the
// ones marked so (the last of a split).
TEST(ProgressBar, PlainLinesAreThrottled) {
  std::FILE* f = std::tmpfile();
  ProgressBar bar(f, /*tty=*/false, /*plain_interval_s=*/3600);
  bar.show("one");
  bar.show("two");
  bar.show("three", /*always=*/true);
  std::rewind(f);
  char buf[64] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n), "one\nthree\n");
}

} // namespace
} // namespace mae
