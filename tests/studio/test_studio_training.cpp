// The Training tab's GL-free parts: the plots' axes, the CSV export, the
// form -> session set-up (configs, run folders, overrides, resume) and the
// controller that drives a TrainingSession from the UI thread.
#include "plot/curves_csv.h"
#include "plot/plot_axis.h"
#include "slurp.h"
#include "workers/training_controller.h"
#include "workers/training_setup.h"

#include "base/errors.h"
#include "data/fashion_mnist.h"
#include "formats/safetensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace mae::studio {
namespace {
namespace fs = std::filesystem;

const std::string kGuiConfig = std::string(MAE_TEST_DATA) + "/studio/fmnist_gui.json";

std::string temp_dir(const std::string& name) {
  const fs::path dir = fs::path(MAE_TEST_TMP) / "studio_training" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

using test::slurp;

std::vector<std::string> labels(const std::vector<Tick>& ticks) {
  std::vector<std::string> out;
  for (const Tick& t : ticks)
    out.push_back(t.label);
  return out;
}

bool has_fashion_mnist() {
  std::error_code ec;
  return fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz", ec);
}

TEST(PlotAxis, LinearTicksAreRoundEvenlySpacedAndInside) {
  const std::vector<Tick> t = linear_ticks({0.13, 0.97}, 5);
  EXPECT_EQ(labels(t), (std::vector<std::string>{"0.2", "0.4", "0.6", "0.8"}));
  for (const Tick& tick : t) {
    EXPECT_GE(tick.at, 0.13);
    EXPECT_LE(tick.at, 0.97);
  }
  EXPECT_EQ(labels(linear_ticks({-3, 12}, 4)), (std::vector<std::string>{"0", "5", "10"}));
  EXPECT_EQ(labels(linear_ticks({340, 402}, 5)),
            (std::vector<std::string>{"340", "360", "380", "400"}));
  EXPECT_TRUE(linear_ticks({1, 1}, 5).empty());
}

TEST(PlotAxis, SmallValuesGetShortScientificLabels) {
  EXPECT_EQ(labels(linear_ticks({0, 2.6e-4}, 6)),
            (std::vector<std::string>{"0", "5e-5", "1e-4", "1.5e-4", "2e-4", "2.5e-4"}));
  EXPECT_EQ(format_tick(0.0015, 0.0005), "1.5e-3"); // as its neighbours 5e-4 and 1e-3
  EXPECT_EQ(format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(format_tick(2e6, 1e6), "2e6");
  EXPECT_EQ(format_value(0.92034567), "0.9203");
  EXPECT_EQ(format_value(1.2e-05), "1.2e-5");
  EXPECT_EQ(format_value(57.5), "57.5");
}

TEST(PlotAxis, LogTicksArePowersOfTenOrRoundValuesAtTheirLogarithms) {
  const std::vector<Tick> decades = log_ticks({std::log10(1e-4), std::log10(1.0)}, 6);
  EXPECT_EQ(labels(decades), (std::vector<std::string>{"1e-4", "0.001", "0.01", "0.1", "1"}));
  EXPECT_NEAR(decades[1].at, -3.0, 1e-12);
  // Less than a decade: round values where their logarithms fall.
  const std::vector<Tick> narrow = log_ticks({std::log10(0.9), std::log10(3.4)}, 6);
  EXPECT_EQ(labels(narrow), (std::vector<std::string>{"1.0", "1.5", "2.0", "2.5", "3.0"}));
  EXPECT_NEAR(narrow[2].at, std::log10(2.0), 1e-12);
  // Many decades: every other power.
  EXPECT_EQ(labels(log_ticks({-8, 0}, 5)),
            (std::vector<std::string>{"1e-8", "1e-6", "1e-4", "0.01", "1"}));
}

TEST(PlotAxis, StepTicksAreWholeAndShortenThousands) {
  EXPECT_EQ(labels(step_ticks({0, 40000}, 5)),
            (std::vector<std::string>{"0", "10k", "20k", "30k", "40k"}));
  EXPECT_EQ(labels(step_ticks({-0.8, 40.8}, 3)), (std::vector<std::string>{"0", "20", "40"}));
  // Never fractions of a step.
  EXPECT_EQ(labels(step_ticks({0, 2}, 10)), (std::vector<std::string>{"0", "1", "2"}));
}

TEST(PlotAxis, RangesFitTheDataAndLogAxesSkipNonPositiveValues) {
  const Curve c = {{0, 0.0}, {10, 0.1}, {20, 10.0}};
  const auto lin = value_range(c, false, 0.05);
  ASSERT_TRUE(lin);
  EXPECT_NEAR(lin->lo, -0.5, 1e-12);
  EXPECT_NEAR(lin->hi, 10.5, 1e-12);
  const auto log = value_range(c, true, 0.0);
  ASSERT_TRUE(log);
  EXPECT_NEAR(log->lo, -1.0, 1e-12);
  EXPECT_NEAR(log->hi, 1.0, 1e-12);
  EXPECT_FALSE(value_range({}, false));
  EXPECT_FALSE(value_range({{0, 0.0}, {1, -2.0}}, true));
  // A flat curve still gets a band around its value.
  const auto flat = value_range({{0, 2.0}, {5, 2.0}}, false);
  ASSERT_TRUE(flat);
  EXPECT_LT(flat->lo, 2.0);
  EXPECT_GT(flat->hi, 2.0);
  EXPECT_EQ(step_range(c).lo, 0);
  EXPECT_EQ(step_range(c).hi, 20);
  EXPECT_EQ(step_range({{7, 1.0}}).span(), 2);
  EXPECT_FALSE(to_axis(std::nan(""), false));
}

TEST(PlotAxis, NearestPointByStep) {
  const Curve c = {{0, 1.0}, {10, 2.0}, {20, 3.0}};
  EXPECT_EQ(nearest_point(c, -5), 0);
  EXPECT_EQ(nearest_point(c, 4), 0);
  EXPECT_EQ(nearest_point(c, 6), 1);
  EXPECT_EQ(nearest_point(c, 15.5), 2);
  EXPECT_EQ(nearest_point(c, 100), 2);
  EXPECT_EQ(nearest_point({}, 3), -1);
}

// 400,000 points across 500 pixels: at most four a column, the extremes of
// each kept (the line looks the same), the first and last points the curve's.
TEST(PlotAxis, LongCurvesAreThinnedToTheirExtremesPerPixelColumn) {
  std::vector<ScreenPoint> points;
  for (int i = 0; i < 400000; ++i)
    points.push_back({10.0f + 500.0f * static_cast<float>(i) / 400000.0f,
                      100.0f + static_cast<float>((int64_t{i} * 7919) % 1000) / 10.0f});
  points[123456].y = -50; // a spike
  const std::vector<ScreenPoint> thin = thin_polyline(points, 10.0f);
  EXPECT_LE(thin.size(), 4u * 501);
  EXPECT_GE(thin.size(), 500u);
  EXPECT_EQ(thin.front().x, points.front().x);
  EXPECT_EQ(thin.back().x, points.back().x);
  EXPECT_NE(std::find_if(thin.begin(), thin.end(), [](const ScreenPoint& p) { return p.y == -50; }),
            thin.end());
  for (size_t i = 1; i < thin.size(); ++i)
    EXPECT_GE(thin[i].x, thin[i - 1].x); // in order
  // Steps out of order zig-zag across columns: still no more than asked for.
  std::vector<ScreenPoint> zigzag;
  for (int i = 0; i < 100000; ++i)
    zigzag.push_back({static_cast<float>(i % 2 ? 0 : 400), 1.0f});
  EXPECT_LE(thin_polyline(zigzag, 0.0f, 1000).size(), 1001u);
  // A short curve is left as it is.
  const std::vector<ScreenPoint> few = {{0, 1}, {5, 2}, {9, 0}};
  EXPECT_EQ(thin_polyline(few, 0.0f).size(), 3u);
}

// A plot keeps its curve's range and points while it draws the same curve
// of the same snapshot (which never changes once published).
TEST(PlotAxis, ACachedCurveIsRecognisedUntilTheSnapshotOrTheAxisChanges) {
  auto snapshot = std::make_shared<TrainingSnapshot>();
  snapshot->loss = {{1, 0.5}, {2, 0.25}, {3, 4.0}};
  const Curve& curve = snapshot->loss;
  PlotCache cache;
  EXPECT_FALSE(cache.holds(snapshot, curve, false));
  cache.reset(snapshot, curve, false);
  EXPECT_TRUE(cache.holds(snapshot, curve, false));
  ASSERT_TRUE(cache.values.has_value());
  EXPECT_DOUBLE_EQ(cache.values->lo, value_range(curve, false)->lo);
  EXPECT_DOUBLE_EQ(cache.values->hi, value_range(curve, false)->hi);
  EXPECT_TRUE(cache.points.empty() && cache.frame.empty()); // made by the next draw
  EXPECT_FALSE(cache.holds(snapshot, curve, true));         // a log axis: another range
  EXPECT_FALSE(cache.holds(snapshot, snapshot->lr, false)); // another curve
  const auto next = std::make_shared<TrainingSnapshot>(*snapshot);
  EXPECT_FALSE(cache.holds(next, next->loss, false)); // the next snapshot
  // The cache keeps its snapshot alive: a new one cannot take its address.
  std::weak_ptr<TrainingSnapshot> kept = snapshot;
  snapshot.reset();
  EXPECT_FALSE(kept.expired());
  cache.reset(next, next->loss, true);
  EXPECT_TRUE(kept.expired());
  EXPECT_DOUBLE_EQ(cache.values->lo, value_range(next->loss, true)->lo);
}

TEST(CurvesCsv, OneRowPerStepWithEmptyCellsForMissingValues) {
  TrainingSnapshot s;
  s.loss = {{2, 1.5}, {4, 0.75}};
  s.lr = {{2, 1e-4}, {4, 2e-4}};
  s.images_per_s = {{2, 300}, {4, 310.5}};
  s.knn_accuracy = {{0, 0.52}, {4, 0.6}};
  s.heldout_mse = {{4, 0.0297}};
  const std::string expected = "step,loss,lr,img_per_s,knn_accuracy,heldout_mse\n"
                               "0,,,,0.52,\n"
                               "2,1.5,0.0001,300,,\n"
                               "4,0.75,0.0002,310.5,0.6,0.0297\n";
  EXPECT_EQ(curves_csv(s), expected);
  const std::string dir = temp_dir("csv");
  write_curves_csv(dir + "/curves.csv", s);
  EXPECT_EQ(slurp(dir + "/curves.csv"), expected);
  EXPECT_THROW(write_curves_csv(dir + "/missing/dir/curves.csv", s), Error);
  EXPECT_EQ(curves_csv(TrainingSnapshot{}), "step,loss,lr,img_per_s,knn_accuracy,heldout_mse\n");
}

TEST(TrainingSetup, FindsTheConfigsAndPrefersFmnistTiny) {
  const std::string dir = temp_dir("configs");
  for (const char* f : {"photos.json", "fmnist_tiny.json", "a.json", "notes.txt"})
    std::ofstream(dir + "/" + f) << "{}";
  fs::create_directories(dir + "/sub.json");
  const auto found = find_train_configs(dir);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(fs::path(found[0]).filename(), "a.json");
  EXPECT_EQ(fs::path(found[2]).filename(), "photos.json");
  EXPECT_EQ(fs::path(preferred_train_config(found)).filename(), "fmnist_tiny.json");
  EXPECT_EQ(preferred_train_config({"/x/b.json", "/x/c.json"}), "/x/b.json");
  EXPECT_EQ(preferred_train_config({}), "");
  EXPECT_TRUE(find_train_configs(dir + "/nope").empty());

  // The shipped ones, found without any set-up; the variable overrides them.
  EXPECT_TRUE(fs::exists(fs::path(train_configs_dir()) / "fmnist_tiny.json"))
      << train_configs_dir();
  setenv("MAE_STUDIO_CONFIGS", dir.c_str(), 1);
  EXPECT_EQ(train_configs_dir(), dir);
  unsetenv("MAE_STUDIO_CONFIGS");
}

TEST(TrainingSetup, RunFoldersAreNamedAfterTheConfigAndTheTime) {
  const std::time_t t = 1700000000;
  std::tm local{};
  localtime_r(&t, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  EXPECT_EQ(default_run_dir("/work/runs", "fmnist_tiny", t),
            std::string("/work/runs/fmnist_tiny-") + stamp);
  EXPECT_TRUE(std::regex_match(default_run_dir("runs", "x", std::time(nullptr)),
                               std::regex(R"(runs/x-\d{8}-\d{6})")));
}

TEST(TrainingSetup, TellsDataFoldersApart) {
  const std::string dir = temp_dir("data_kinds");
  fs::create_directories(dir + "/shards");
  fs::create_directories(dir + "/fmnist");
  fs::create_directories(dir + "/photos");
  std::ofstream(dir + "/shards/index.safetensors") << "x";
  std::ofstream(dir + "/fmnist/train-images-idx3-ubyte.gz") << "x";
  EXPECT_EQ(detect_data_type(dir + "/shards"), "shards");
  EXPECT_EQ(detect_data_type(dir + "/fmnist"), "fmnist");
  EXPECT_EQ(detect_data_type(dir + "/photos"), "folder");
}

TEST(TrainingSetup, TheFormsOverridesReachTheSession) {
  TrainingForm f;
  f.config_path = kGuiConfig;
  f.steps = 7;
  f.data_type = "folder";
  f.data_path = "/data/photos";
  f.device = "cpu";
  const std::time_t now = std::time(nullptr);
  const TrainingLaunch l = prepare_training(f, now);
  EXPECT_EQ(l.config.name, "fmnist_gui");
  EXPECT_EQ(l.config.total_steps, 7);
  EXPECT_EQ(l.config.epochs, 0);
  EXPECT_EQ(l.config.data.type, "folder");
  EXPECT_EQ(l.config.data.path, "/data/photos");
  EXPECT_EQ(l.options.train.device, "cpu");
  EXPECT_TRUE(l.options.train.resume.empty());
  // No folder given: runs/<name>-<time> under the working directory.
  EXPECT_EQ(l.options.train.out_dir,
            default_run_dir(fs::absolute("runs").string(), "fmnist_gui", now));
  f.out_dir = "/tmp/my_run";
  EXPECT_EQ(prepare_training(f, now).options.train.out_dir, "/tmp/my_run");
  // Without overrides the config's own data and length.
  TrainingForm plain;
  plain.config_path = kGuiConfig;
  const TrainingLaunch p = prepare_training(plain, now);
  EXPECT_EQ(p.config.data.type, "fmnist");
  EXPECT_EQ(p.config.total_steps, 4000);
}

TEST(TrainingSetup, BadConfigsNameTheFileAndTheField) {
  const std::string dir = temp_dir("bad_config");
  std::string text = slurp(kGuiConfig);
  text.replace(text.find("\"batch_size\": 32"), 16, "\"batch_size\": 0");
  std::ofstream(dir + "/bad.json") << text;
  TrainingForm f;
  f.config_path = dir + "/bad.json";
  try {
    prepare_training(f, 0);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("batch_size"), std::string::npos) << e.what();
  }
  // An override that makes the config invalid says which file it was applied to.
  f.config_path = kGuiConfig;
  f.data_type = "shards";
  try {
    prepare_training(f, 0);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("fmnist_gui.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("data.path"), std::string::npos) << e.what();
  }
  TrainingForm none;
  EXPECT_THROW(prepare_training(none, 0), UsageError);
}

TEST(TrainingSetup, ResumingUsesTheRunsFolderAndTheConfigItsCheckpointRecords) {
  const std::string run = temp_dir("resume_run");
  std::string text = slurp(kGuiConfig);
  text.replace(text.find("fmnist_gui"), 10, "earlier");
  // A checkpoint records its config in its metadata, as the trainer writes it.
  write_safetensors(run + "/checkpoint.safetensors", {}, {{"train_config", text}});
  TrainingForm f;
  f.config_path = "/nonexistent/ignored.json";
  f.resume = run;
  f.steps = 20;
  const TrainingLaunch l = prepare_training(f, 0);
  EXPECT_EQ(l.config.name, "earlier");
  EXPECT_EQ(l.config.total_steps, 20);
  EXPECT_EQ(l.options.train.out_dir, run);
  EXPECT_EQ(l.options.train.resume, run + "/checkpoint.safetensors");
  EXPECT_EQ(l.config_label, run + "/checkpoint.safetensors");
  // Its checkpoint file works too.
  f.resume = run + "/checkpoint.safetensors";
  EXPECT_EQ(prepare_training(f, 0).options.train.out_dir, run);
  f.resume = temp_dir("not_a_run");
  try {
    prepare_training(f, 0);
    FAIL() << "no error";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint.safetensors"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a run folder"), std::string::npos) << e.what();
  }
}

// A new run aimed at a folder holding one is refused in the app's words: the
// form's fields, not the CLI's --resume and --force.
TEST(TrainingSetup, AFolderHoldingARunIsRefusedInTheFormsWords) {
  const std::string run = temp_dir("taken_run");
  write_safetensors(run + "/checkpoint.safetensors", {}, {{"step", "12"}});
  TrainingForm f;
  f.config_path = kGuiConfig;
  f.out_dir = run;
  try {
    prepare_training(f, 0);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("at step 12"), std::string::npos) << m;
    EXPECT_NE(m.find("'resume' field"), std::string::npos) << m;
    EXPECT_EQ(m.find("--"), std::string::npos) << m;
  }
}

// Polls like the UI does, once a "frame", until `done` or a minute passes.
template <class Done> bool poll_until(TrainingController& c, UiState& st, Done done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < give_up) {
    c.poll(st);
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A folder as another process's run leaves it: a config and metrics lines.
std::string run_folder_by_hand(const std::string& dir, int64_t last_step) {
  fs::create_directories(dir);
  fs::copy_file(kGuiConfig, dir + "/config.json", fs::copy_options::overwrite_existing);
  std::ofstream m(dir + "/metrics.jsonl", std::ios::app);
  for (int64_t step = 10; step <= last_step; step += 10)
    m << R"({"step":)" << step << R"(,"loss":)" << 1.0 / static_cast<double>(step) << "}\n";
  return dir;
}

// Following a run reads its folder on the follower's thread: the UI thread
// only takes the news, woken as each comes. A folder that is no run is
// reported once and no longer followed.
TEST(TrainingController, FollowsARunFolderFromItsOwnThread) {
  const std::string dir = temp_dir("follow");
  const std::string run = run_folder_by_hand(dir + "/run", 30);
  UiState st(dir + "/recent.json");
  std::atomic<int> wakes{0};
  TrainingController c([&] { ++wakes; });
  EXPECT_TRUE(c.watch_caught_up()); // nothing followed
  st.training.watch_dir = run;
  c.poll(st);
  ASSERT_TRUE(poll_until(c, st, [&] {
    return c.watch_caught_up() && st.training.snapshot && st.training.snapshot->step == 30;
  }));
  EXPECT_GE(wakes.load(), 1);
  EXPECT_EQ(st.training.run_dir, run);
  EXPECT_EQ(st.training.snapshot->loss.size(), 3u);

  // The run goes on: its next line shows within a look or two.
  std::ofstream(run + "/metrics.jsonl", std::ios::app) << R"({"step":40,"loss":0.02})"
                                                       << "\n";
  ASSERT_TRUE(poll_until(c, st, [&] { return st.training.snapshot->step == 40; }));

  st.training.watch_dir = dir + "/nowhere";
  ASSERT_TRUE(poll_until(c, st, [&] { return !st.errors.empty(); }));
  EXPECT_EQ(st.errors.size(), 1u);
  EXPECT_EQ(st.errors.front().title, "Cannot follow the run");
  EXPECT_NE(st.errors.front().message.find("nowhere"), std::string::npos)
      << st.errors.front().message;
  EXPECT_TRUE(st.training.watch_dir.empty());
  EXPECT_TRUE(c.watch_caught_up());

  // Followed again, from its start.
  st.training.watch_dir = run;
  st.training.snapshot.reset();
  ASSERT_TRUE(poll_until(c, st, [&] {
    return c.watch_caught_up() && st.training.snapshot && st.training.snapshot->step == 40;
  }));
  EXPECT_EQ(st.training.snapshot->loss.size(), 4u);
  EXPECT_EQ(st.errors.size(), 1u);
}

TEST(TrainingController, DataErrorsFailTheRunAndAreReportedOnce) {
  const std::string dir = temp_dir("data_error");
  UiState st(dir + "/recent.json");
  st.training.form.config_path = kGuiConfig;
  st.training.form.data_type = "shards";
  st.training.form.data_path = dir + "/no_shards_here";
  st.training.form.out_dir = dir + "/run";
  TrainingController c;
  c.start(st, 0);
  EXPECT_EQ(st.training.run_dir, dir + "/run");
  ASSERT_TRUE(
      poll_until(c, st, [&] { return st.training.snapshot->state == TrainingState::Failed; }));
  EXPECT_FALSE(c.active());
  c.poll(st);
  ASSERT_EQ(st.errors.size(), 1u);
  EXPECT_EQ(st.errors.front().title, "Training failed");
  EXPECT_NE(st.errors.front().message.find("no_shards_here"), std::string::npos)
      << st.errors.front().message;
  EXPECT_NE(st.errors.front().message.find("fmnist_gui.json"), std::string::npos);
}

TEST(TrainingController, TrainsThenOpensItsWeightsInTheExplorer) {
  if (!has_fashion_mnist())
    GTEST_SKIP() << "needs the Debian package dataset-fashion-mnist";
  const std::string dir = temp_dir("run_and_open");
  UiState st(dir + "/recent.json");
  st.training.form.config_path = kGuiConfig;
  st.training.form.steps = 3;
  st.training.form.out_dir = dir + "/run";
  std::atomic<int> wakes{0};
  TrainingController c([&] { ++wakes; }); // the app posts an empty GLFW event
  c.start(st, 0);
  EXPECT_TRUE(c.active());
  EXPECT_THROW(c.start(st, 0), UsageError); // one run at a time
  ASSERT_TRUE(poll_until(c, st, [&] { return !c.active(); }));
  const TrainingSnapshot& s = *st.training.snapshot;
  ASSERT_EQ(s.state, TrainingState::Finished) << s.error;
  EXPECT_EQ(s.step, 3);
  EXPECT_FALSE(s.loss.empty());
  EXPECT_EQ(s.previews.size(), 4u);
  EXPECT_TRUE(fs::exists(dir + "/run/model.safetensors"));
  // Every snapshot woke the UI (start, set-up, steps, the end): it never polls.
  EXPECT_GE(wakes.load(), 3);

  st.commands.clear();
  const int before_export = wakes.load();
  c.open_in_explorer(st);
  EXPECT_EQ(st.training.exporting_model, explorer_model_path(dir + "/run"));
  // The worker publishes its snapshot, then wakes the UI: a poll can see the
  // snapshot a moment before the wake lands, so wait for both.
  ASSERT_TRUE(poll_until(c, st, [&] {
    return st.training.exporting_model.empty() && wakes.load() > before_export;
  })) << "the export's snapshot did not wake the UI";
  ASSERT_EQ(st.commands.size(), 1u);
  EXPECT_EQ(st.commands[0].kind, Command::Kind::Open);
  EXPECT_EQ(st.commands[0].path, explorer_model_path(dir + "/run"));
  EXPECT_EQ(st.tab, Tab::Explorer);
  EXPECT_TRUE(st.errors.empty());

  // Another process's run, followed once this one has finished, replaces it
  // on the tab (it was never read while the finished session was kept).
  st.training.watch_dir = run_folder_by_hand(dir + "/other", 20);
  ASSERT_TRUE(poll_until(c, st, [&] { return st.training.snapshot->out_dir == dir + "/other"; }));
  EXPECT_EQ(st.training.snapshot->step, 20);
  EXPECT_EQ(st.training.run_dir, dir + "/other");
  st.training.watch_dir.clear(); // stop following: the finished run shows again
  c.poll(st);
  EXPECT_EQ(st.training.snapshot->out_dir, dir + "/run");
  // ... and its buttons act on its folder, not the other run's.
  EXPECT_EQ(st.training.run_dir, dir + "/run");
}

} // namespace
} // namespace mae::studio
