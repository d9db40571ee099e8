// `mae train`, `mae pack`, `mae plot-metrics` and `mae probe` end to end: the
// built binary, its exit codes, the files it writes.
#include "slurp.h"
#include "train_test_util.h"

#include "data/fashion_mnist.h"
#include "train/metrics_log.h"
#include "train/tensorboard_log.h"

#ifdef MAE_WITH_OPENCV
#include "data/image_io.h"
#endif

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace mae {
namespace {

struct CliRun {
  int code = -1;
  std::string output; // stdout and stderr
};

// Any command line, its output and exit code.
CliRun run_command(const std::string& command) {
  CliRun r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p)
    return r;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

CliRun mae_cli(const std::string& args) {
  return run_command(std::string(MAE_CLI) + " " + args);
}

// A tiny run on synthetic shards, as a config file.
std::string write_config(const std::string& dir, const std::string& shards,
                         const std::string& extra = "") {
  TrainConfig c = test::tiny_train_config(shards);
  c.probe_every = 2;
  nlohmann::json j = nlohmann::json::parse(train_config_json(c));
  if (!extra.empty())
    j.merge_patch(nlohmann::json::parse(extra));
  const std::string path = dir + "/config.json";
  std::ofstream(path) << j.dump(2);
  return path;
}

size_t line_count(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line))
    n += !line.empty();
  return n;
}

// TensorBoard event files beside metrics.jsonl, read back by an independent
// reader (tests/tools/read_tfevents.py: TensorBoard's field numbers, python3-
// protobuf, every record's CRC-32C checked with python3-crc32c): every
// scalar of the metrics file is there, under the official repo's tags.
TEST(TrainCli, TensorBoardEventsHoldTheMetrics) {
  if (!TensorBoardLog::available())
    GTEST_SKIP() << "built without protobuf";
  if (std::system("/usr/bin/python3 -c 'import google.protobuf, crc32c' 2>/dev/null") != 0)
    GTEST_SKIP() << "needs python3-protobuf and python3-crc32c";
  const std::string dir = test::train_tmp("cli_tensorboard"), shards = dir + "/shards",
                    out = dir + "/run";
  test::write_synthetic_shards(shards, 48, 1, true);
  CliRun r = mae_cli("train --config " + write_config(dir, shards) + " --out " + out +
                     " --steps 4 --device cpu --threads 1 --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  std::vector<std::string> events;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
      events.push_back(e.path().string());
  ASSERT_EQ(events.size(), 1u);
  r = run_command("/usr/bin/python3 " + std::string(MAE_SOURCE_DIR) +
                  "/tests/tools/read_tfevents.py '" + events[0] + "'");
  ASSERT_EQ(r.code, 0) << r.output;
  std::map<std::pair<int64_t, std::string>, double> seen;
  std::istringstream lines(r.output);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(nlohmann::json::parse(line).at("file_version"), "brain.Event:2");
  std::vector<nlohmann::json> images;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("image"))
      images.push_back(j);
    else
      seen[{j.at("step").get<int64_t>(), j.at("tag").get<std::string>()}] = j.at("value");
  }
  // The preview rows at the last step, a real PNG of the size the summary says.
  ASSERT_FALSE(images.empty());
  const nlohmann::json& last = images.back();
  EXPECT_EQ(last.at("tag"), "reconstructions");
  EXPECT_EQ(last.at("step"), 4);
  const auto& hwc = last.at("image");
  EXPECT_EQ(last.at("png_size"), nlohmann::json::array({hwc[0], hwc[1]}));
  EXPECT_GE(hwc[1].get<int>(), 3 * 112); // masked | reconstruction + visible | original
  EXPECT_GT(hwc[3].get<int>(), 1000);
  size_t expected = 0;
  for (const MetricsRecord& m : read_metrics(out + "/metrics.jsonl")) {
    const auto check = [&](const char* tag, const std::optional<double>& v) {
      if (!v)
        return;
      ++expected;
      const auto it = seen.find({m.step, tag});
      ASSERT_NE(it, seen.end()) << tag << " at step " << m.step;
      EXPECT_NEAR(it->second, *v, 1e-6 * std::max(1.0, std::abs(*v))) << tag; // float32
    };
    check("train_loss", m.loss);
    check("lr", m.lr);
    check("knn_acc", m.knn_accuracy);
  }
  EXPECT_GE(expected, 10u);

  // A flipped byte: the reader's CRC check catches it (the files carry real CRCs).
  {
    std::fstream f(events[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  EXPECT_EQ(run_command("/usr/bin/python3 " + std::string(MAE_SOURCE_DIR) +
                        "/tests/tools/read_tfevents.py '" + events[0] + "'")
                .code,
            1);

  // --tensorboard off: metrics.jsonl only.
  r = mae_cli("train --config " + write_config(dir, shards) + " --out " + dir +
              "/quiet_run --steps 1 --device cpu --threads 1 --quiet --tensorboard off");
  ASSERT_EQ(r.code, 0) << r.output;
  // Resumed without the option, it stays off: a run keeps writing the logs it wrote.
  r = mae_cli("train --resume " + dir + "/quiet_run --steps 2 --device cpu --threads 1 --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const auto& e : fs::directory_iterator(dir + "/quiet_run"))
    EXPECT_NE(e.path().filename().string().rfind("events.", 0), 0u) << e.path();
}

TEST(TrainCli, TrainsResumesAndPlots) {
  const std::string dir = test::train_tmp("cli_train"), shards = dir + "/shards",
                    out = dir + "/run";
  test::write_synthetic_shards(shards, 48, 1, true);
  const std::string config = write_config(dir, shards);

  CliRun r =
      mae_cli("train --config " + config + " --out " + out + " --steps 4 --device cpu --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("finished 4 steps"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("k-NN accuracy:"), std::string::npos) << r.output;
  for (const char* f :
       {"checkpoint.safetensors", "model.safetensors", "metrics.jsonl", "config.json"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  // Probe at init (step 0), then one line per step.
  EXPECT_EQ(line_count(out + "/metrics.jsonl"), 5u);
  const auto records = read_metrics(out + "/metrics.jsonl");
  EXPECT_TRUE(records.front().knn_accuracy && !records.front().loss);
  EXPECT_TRUE(records.back().loss && records.back().lr && records.back().knn_accuracy);

  r = mae_cli("train --resume " + out + " --steps 6 --device cpu --threads 1 --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("resumed:  " + out + "/checkpoint.safetensors at step 4"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(read_metrics(out + "/metrics.jsonl").back().step, 6);
  // A resume with a changed recipe names what changed; a longer run alone is no change.
  EXPECT_EQ(r.output.find("config differs"), std::string::npos) << r.output;
  r = mae_cli("train --config " + write_config(dir, shards, R"({"blr": 0.0042})") + " --resume " +
              out + " --steps 7 --device cpu --threads 1 --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("the config differs from the checkpoint's in blr; continuing"),
            std::string::npos)
      << r.output;

  r = mae_cli("info " + out + "/model.safetensors");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("ViT encoder 32x1"), std::string::npos) << r.output;

#ifdef MAE_WITH_OPENCV
  r = mae_cli("plot-metrics " + out + " --out " + dir + "/curves.png"); // the run's folder
  ASSERT_EQ(r.code, 0) << r.output;
  const Image plot = load_image(dir + "/curves.png");
  EXPECT_EQ(plot.width, 1200);
  // A folder with no run and a file with no lines say so instead of drawing nothing.
  r = mae_cli("plot-metrics " + dir + " --out " + dir + "/none.png");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(dir + "/metrics.jsonl': No such file"), std::string::npos) << r.output;
  std::ofstream(dir + "/empty.jsonl").put('\n');
  r = mae_cli("plot-metrics " + dir + "/empty.jsonl --out " + dir + "/none.png");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("empty.jsonl holds no metric lines"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/none.png"));
  // Lines that are no record are said to be left out, not dropped silently;
  // one point still gets an axis whose ticks read apart.
  std::ofstream(dir + "/odd.jsonl") << "GARBAGE\n{\"step\": \"x\"}\n\n"
                                    << R"({"step": 20, "loss": 1.25})"
                                    << "\n"
                                    << R"({"step": 30, "loss": -1})"
                                    << "\n";
  r = mae_cli("plot-metrics " + dir + "/odd.jsonl --out " + dir + "/odd.png");
  EXPECT_EQ(r.code, 0) << r.output;
  // The reason names the value rule: a negative loss is a JSON object with a step.
  EXPECT_NE(r.output.find("note: 3 lines are no metric records (a JSON object under 64 KiB with a "
                          "whole \"step\"; losses, rates and speeds from 0 to 1e12, accuracies "
                          "from 0 to 1)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(1 metric line)"), std::string::npos) << r.output;
#endif
}

// `mae ARGS` started in the background, its output into `log`; returns once
// `out`/metrics.jsonl holds `lines` lines (or a minute has passed).
pid_t start_training(const std::string& args, const std::string& log, const std::string& out,
                     size_t lines) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string cmd = "exec " + std::string(MAE_CLI) + " " + args + " > " + log + " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (line_count(out + "/metrics.jsonl") < lines && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return pid;
}

// What a scheduler's preemption or `docker stop` sends (SIGTERM) stops a run
// as Ctrl-C does: at a step, with a checkpoint, and exit status 130 so that a
// script does not go on with half a run; it killed the run, unsaved, before.
TEST(TrainCli, ATerminateSignalStopsAtACheckpointAndExits130) {
  const std::string dir = test::train_tmp("cli_sigterm"), shards = dir + "/shards",
                    out = dir + "/run", log = dir + "/log.txt";
  test::write_synthetic_shards(shards, 48, 1, true);
  const std::string config =
      write_config(dir, shards, R"({"probe_every": 0, "checkpoint_every": 2})");
  const pid_t pid = start_training("train --config " + config + " --out " + out +
                                       " --steps 100000 --device cpu --threads 1",
                                   log, out, 3);
  // While it runs, a second process sent to its folder (a resume, a --force
  // run) is refused before it touches a file, naming the first.
  for (int i = 0; i < 3000 && !fs::exists(out + "/checkpoint.safetensors"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (const std::string& second :
       {"train --resume " + out + " --steps 100000",
        "train --config " + config + " --out " + out + " --force --steps 100000"}) {
    const CliRun busy = mae_cli(second + " --device cpu --threads 1");
    EXPECT_EQ(busy.code, 2) << busy.output;
    EXPECT_NE(busy.output.find("is in use: another mae process (pid " + std::to_string(pid)),
              std::string::npos)
        << busy.output;
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  const std::string output = test::slurp(log);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal\n" << output;
  EXPECT_EQ(WEXITSTATUS(status), 130) << output;
  EXPECT_NE(output.find("stopped at step"), std::string::npos) << output;
  EXPECT_NE(output.find("continue with: mae train --resume"), std::string::npos) << output;
  const int64_t stopped = read_metrics(out + "/metrics.jsonl").back().step;
  const CliRun r = mae_cli("train --resume " + out + " --steps " + std::to_string(stopped + 2) +
                           " --device cpu --threads 1 --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("at step " + std::to_string(stopped)), std::string::npos) << r.output;

  // A new run replacing it (--force), killed before its first checkpoint,
  // leaves no checkpoint of the old run beside its own metrics: --resume took
  // the two for one run. (Its metrics go first, so that the wait below is
  // for the new run's first line.)
  // Its config saves only at the end (the first run's saved every 2 steps,
  // which a slow machine reached before the kill).
  fs::remove(out + "/metrics.jsonl");
  fs::create_directories(dir + "/plain");
  const std::string plain = write_config(dir + "/plain", shards, R"({"probe_every": 0})");
  const pid_t again = start_training("train --config " + plain + " --out " + out +
                                         " --force --steps 100000 --device cpu --threads 1",
                                     log, out, 1);
  ASSERT_EQ(kill(again, SIGKILL), 0);
  ASSERT_EQ(waitpid(again, &status, 0), again);
  EXPECT_FALSE(fs::exists(out + "/checkpoint.safetensors"));
  EXPECT_FALSE(fs::exists(out + "/model.safetensors"));
}

// recon_eval_every on unlabelled photos: the summary compares the best
// held-out MSE with Telea's, names the best model, and plot-metrics draws it.
TEST(TrainCli, HeldOutReconstructionIsReportedAndPlotted) {
  const std::string dir = test::train_tmp("cli_heldout"), shards = dir + "/shards",
                    held = dir + "/held", out = dir + "/run";
  test::write_synthetic_shards(shards, 32, 3, false);
  test::write_synthetic_shards(held, 6, 3, false);
  const std::string config =
      write_config(dir, shards,
                   R"({"data": {"val_path": ")" + held +
                       R"("}, "recon_eval_every": 2, "recon_eval_masks": 2, "probe_every": 0})");
  CliRun r =
      mae_cli("train --config " + config + " --out " + out + " --steps 4 --device cpu --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("held-out masked-region MSE of 6 pictures x 2 masks every 2 steps"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("held-out masked MSE: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("best model: " + out + "/best_model.safetensors"), std::string::npos)
      << r.output;
  EXPECT_TRUE(fs::exists(out + "/best_model.safetensors"));
  int evaluations = 0;
  for (const auto& rec : read_metrics(out + "/metrics.jsonl"))
    evaluations += rec.heldout_mse.has_value();
  EXPECT_EQ(evaluations, 3); // steps 0, 2 and 4
#ifdef MAE_WITH_OPENCV
  EXPECT_NE(r.output.find("(Telea "), std::string::npos) << r.output;
  r = mae_cli("plot-metrics " + out + "/metrics.jsonl --out " + dir + "/curves.png");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(load_image(dir + "/curves.png").width, 1200);
#endif
}

TEST(TrainCli, BadUsageAndConfigsFailWithClearMessages) {
  const std::string dir = test::train_tmp("cli_bad"), shards = dir + "/shards";
  test::write_synthetic_shards(shards, 16, 1, false);
  CliRun r = mae_cli("train --config " + write_config(dir, shards, R"({"batch_size": 0})") +
                     " --out " + dir + "/o");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("'batch_size'"), std::string::npos) << r.output;
  r = mae_cli("train --out " + dir + "/o");
  EXPECT_EQ(r.code, 2) << r.output;
  r = mae_cli("train --config " + dir + "/missing.json");
  EXPECT_EQ(r.code, 1) << r.output;
  r = mae_cli("train --config " + write_config(dir, dir + "/nowhere") + " --out " + dir +
              "/o --steps 2");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("index.safetensors"), std::string::npos) << r.output;
  // --init: a file that is no model is bad input; beside --resume, bad usage.
  r = mae_cli("train --config " + write_config(dir, shards) + " --out " + dir +
              "/i --steps 2 --init " + dir + "/missing.safetensors");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("missing.safetensors"), std::string::npos) << r.output;
  r = mae_cli("train --config " + write_config(dir, shards) + " --out " + dir +
              "/ok --steps 1 --device cpu --threads 1 --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  r = mae_cli("train --resume " + dir + "/ok --steps 2 --init " + dir + "/ok/model.safetensors");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--init starts a new run"), std::string::npos) << r.output;
}

#ifdef MAE_WITH_OPENCV
TEST(TrainCli, PackAFolderWithACorruptFileThenTrainOnTheShards) {
  const std::string dir = test::train_tmp("cli_pack");
  fs::create_directories(dir + "/photos");
  for (int i = 0; i < 20; ++i)
    write_png(dir + "/photos/p" + std::to_string(i) + ".png", test::synthetic_image(i, 3));
  std::ofstream(dir + "/photos/corrupt.jpg") << "definitely not a jpeg";
  CliRun r = mae_cli("pack --input " + dir + "/photos --out " + dir +
                     "/shards --short-side 20 --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("packed 20 images"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped 1 unreadable"), std::string::npos) << r.output;
  const std::string config = write_config(
      dir, dir + "/shards", R"({"model": {"in_chans": 3}, "normalization": "imagenet"})");
  r = mae_cli("train --config " + config + " --out " + dir +
              "/run --steps 2 --device cpu --threads 1 --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir + "/run/model.safetensors"));
  // Packing again into the same folder replaces the pack only when asked.
  const auto index = fs::last_write_time(dir + "/shards/index.safetensors");
  r = mae_cli("pack --input " + dir + "/photos --out " + dir + "/shards --short-side 24");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("already holds a pack"), std::string::npos) << r.output;
  EXPECT_EQ(fs::last_write_time(dir + "/shards/index.safetensors"), index);
  r = mae_cli("pack --input " + dir + "/photos --out " + dir +
              "/shards --short-side 24 --threads 1 --force");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("packed 20 images"), std::string::npos) << r.output;
  EXPECT_NE(fs::last_write_time(dir + "/shards/index.safetensors"), index);
  // Into the photos' own folder: shards among them, refused unless asked.
  r = mae_cli("pack --input " + dir + "/photos --out " + dir + "/photos --threads 1");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("holds no pack (corrupt.jpg, p0.png, p1.png and 18 more)"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir + "/photos/shard-00000.bin"));
}
#endif

TEST(TrainCli, LinearProbeOnFashionMnist) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = test::train_tmp("cli_probe"), shards = dir + "/shards";
  test::write_synthetic_shards(shards, 16, 1, false);
  const std::string config = write_config(
      dir, shards, R"({"model": {"img_size": 28}, "data": {"type": "fmnist", "path": ""}})");
  CliRun r = mae_cli("train --config " + config + " --out " + dir +
                     "/run --steps 1 --device cpu --threads 1 --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  r = mae_cli("probe --model " + dir +
              "/run/model.safetensors --data fmnist --max-train 1000 --max-test 200 "
              "--epochs 3 --batch-size 250 --device cpu --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("linear probe top-1:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("on 200 held-out images"), std::string::npos) << r.output;
}

} // namespace
} // namespace mae
