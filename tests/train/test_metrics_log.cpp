// metrics.jsonl across a resume, the progress bar.
#include "train_test_util.h"

#include "base/errors.h"
#include "train/metrics_log.h"
#include "train/progress_bar.h"

#ifdef MAE_WITH_OPENCV
#include "train/metrics_plot.h"
#endif

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

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

// A resume counts the whole lines it leaves out that were damaged, for the
// run to say; the torn last line of a kill is no damage.
TEST(MetricsLog, ResumeCountsDamagedLinesButNotATornLastOne) {
  const std::string path = test::train_tmp("metrics_damaged") + "/metrics.jsonl";
  std::ofstream(path) << "{\"step\": 1, \"loss\": 0.5}\nrandom bytes\n\n"
                      << "{\"step\": 2, \"loss\": 0.4}\n{\"step\": 3, \"lo";
  const MetricsLog resumed(path, 2);
  EXPECT_EQ(resumed.damaged_lines(), 1);
  EXPECT_EQ(read_metrics(path).size(), 2u);
  EXPECT_EQ(MetricsLog(path, 2).damaged_lines(), 0); // left out once, then gone
}

// A folder would read as no lines and a FIFO would block forever.
TEST(MetricsLog, ReadingWhatIsNoFileThrows) {
  const std::string dir = test::train_tmp("metrics_not_file"), fifo = dir + "/fifo";
  EXPECT_THROW(read_metrics(dir), DataError);
  EXPECT_THROW(read_metrics(dir + "/missing.jsonl"), DataError);
  ASSERT_TRUE(::mkfifo(fifo.c_str(), 0600) == 0 || errno == EEXIST);
  EXPECT_THROW(read_metrics(fifo), DataError);
}

// A step that is no whole number a run reaches is no line, nor is a line
// with a value no run writes (1e300 stretched a plot's axes to NaN, a
// hand-edited knn_acc of 5 plotted as 500 %, a loss "NaN" in quotes counted
// its step). A null (how a NaN loss is written) is no value, the line kept.
TEST(MetricsLog, LinesNoRunWroteArePassedOver) {
  const std::string dir = test::train_tmp("metrics_hostile"), path = dir + "/metrics.jsonl";
  std::ofstream(path) << R"({"step": 5.7, "loss": 1.0}
{"step": 1e300, "loss": 1.0}
{"step": -3, "loss": 1.0}
{"step": 18446744073709551615, "loss": 1.0}
{"step": 7, "loss": 1e308, "knn_acc": 0.5, "lr": 0.001}
{"step": 8, "loss": -0.5, "test_top1": 0.75}
{"step": 9, "loss": 0.5, "knn_acc": 5}
{"step": 10, "loss": "NaN"}
{"step": 4, "loss": null, "knn_acc": 0.25, "lr": 0.001, "heldout_mse": 0.03}
)";
  const std::vector<MetricsRecord> records = read_metrics(path);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].step, 4);
  EXPECT_FALSE(records[0].loss);
  EXPECT_DOUBLE_EQ(*records[0].knn_accuracy, 0.25);
  EXPECT_DOUBLE_EQ(*records[0].lr, 0.001);
  EXPECT_DOUBLE_EQ(*records[0].heldout_mse, 0.03);
  // A resume keeps only the run's own lines up to its step, and refuses a FIFO.
  { MetricsLog resumed(path, 10); }
  EXPECT_EQ(read_metrics(path).size(), 1u);
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_THROW(MetricsLog(path, 10), DataError);
}

#ifdef MAE_WITH_OPENCV
// Pixels of the right-hand panel's curve colour (kAcc).
int right_curve_pixels(const Image& im) {
  int n = 0;
  for (int y = 0; y < im.height; ++y)
    for (int x = im.width / 2; x < im.width; ++x) {
      const uint8_t* p = &im.pixels[(static_cast<size_t>(y) * im.width + x) * 3];
      n += p[0] == 214 && p[1] == 39 && p[2] == 40;
    }
  return n;
}

// The right panel shows the k-NN accuracy, else fine-tuning's test accuracy
// (read back from its metrics line), else the held-out MSE.
TEST(MetricsPlot, RightPanelPrefersKnnThenTestAccuracyThenHeldOutMse) {
  const std::string path = test::train_tmp("metrics_plot") + "/metrics.jsonl";
  std::ofstream(path) << R"({"step": 10, "loss": 2.0}
{"step": 20, "loss": 1.0, "test_top1": 0.4}
{"step": 40, "loss": 0.5, "test_top1": 0.7}
)";
  std::vector<MetricsRecord> top1 = read_metrics(path);
  ASSERT_EQ(top1.size(), 3u);
  EXPECT_DOUBLE_EQ(*top1[2].test_top1, 0.7);
  std::vector<MetricsRecord> loss_only = top1, heldout = top1, both = top1, knn = top1;
  for (size_t i = 0; i < top1.size(); ++i) {
    loss_only[i].test_top1.reset();
    heldout[i].test_top1.reset();
    heldout[i].heldout_mse = 0.03 - 0.005 * static_cast<double>(i);
    both[i].heldout_mse = heldout[i].heldout_mse;
    knn[i].knn_accuracy = 0.2 * static_cast<double>(i);
  }
  const Image with_top1 = plot_metrics(top1, "t");
  EXPECT_EQ(right_curve_pixels(plot_metrics(loss_only, "t")), 0); // "no data"
  EXPECT_GT(right_curve_pixels(with_top1), 100);
  EXPECT_EQ(plot_metrics(both, "t").pixels, with_top1.pixels); // accuracy before the MSE
  EXPECT_NE(plot_metrics(heldout, "t").pixels, with_top1.pixels);
  std::vector<MetricsRecord> knn_only = knn;
  for (auto& r : knn_only)
    r.test_top1.reset();
  const Image with_knn = plot_metrics(knn_only, "t");
  EXPECT_EQ(plot_metrics(knn, "t").pixels, with_knn.pixels); // k-NN before the test accuracy
  EXPECT_NE(with_knn.pixels, with_top1.pixels);
}
#endif

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

// On a terminal the bar is erased before another stream writes a line there
// (eval-recon's table rows), and only when one is drawn.
TEST(ProgressBar, ClearErasesADrawnBarOnce) {
  std::FILE* f = std::tmpfile();
  ProgressBar bar(f, /*tty=*/true);
  bar.clear();
  bar.show("masks 1/2");
  bar.clear();
  bar.clear();
  std::rewind(f);
  char buf[64] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n), "\rmasks 1/2\033[K\r\033[K");
}

} // namespace
} // namespace mae
