// Ablation sweeps: the sweep file, its runs, and a tiny sweep on
// Fashion-MNIST that is stopped mid-run and run again.
#include "train_test_util.h"

#include "../cli_runner.h"
#include "error_of.h"

#include "base/errors.h"
#include "base/folder_lock.h"
#include "data/fashion_mnist.h"
#include "train/sweep_config.h"
#include "train/sweep_plot.h"
#include "train/sweep_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace mae {
namespace {

// A 28 px model that trains in milliseconds a step, and a sweep over it.
json tiny_base() {
  return json::parse(R"({
    "name": "tiny",
    "model": {"img_size": 28, "patch_size": 7, "in_chans": 1, "embed_dim": 32, "depth": 1,
              "num_heads": 2, "decoder_embed_dim": 16, "decoder_depth": 1,
              "decoder_num_heads": 2, "mlp_ratio": 2.0},
    "data": {"type": "fmnist"},
    "normalization": {"mean": [0.286], "std": [0.353]},
    "batch_size": 16, "blr": 1e-3, "warmup_steps": 1, "total_steps": 6,
    "log_every": 1, "checkpoint_every": 0, "probe_every": 0,
    "probe_bank_size": 200, "probe_query_size": 100, "num_workers": 0})");
}

json tiny_sweep() {
  return json::parse(R"({
    "name": "tiny_ratio", "title": "tiny", "base": "base.json",
    "axes": [{"field": "mask_ratio", "values": [0.25, 0.75]}],
    "evaluations": ["knn", "linear_probe", "finetune"],
    "linear_probe": {"epochs": 2, "batch_size": 100, "max_train": 200, "max_test": 100},
    "finetune": {"epochs": 1, "batch_size": 50, "max_train": 200, "max_test": 100}})");
}

std::string write_sweep(const std::string& dir, const json& sweep, const json& base = tiny_base()) {
  std::ofstream(dir + "/base.json") << base.dump(2);
  std::ofstream(dir + "/sweep.json") << sweep.dump(2);
  return dir + "/sweep.json";
}

std::string error_of(const json& sweep) {
  const std::string dir = test::train_tmp("sweep_errors");
  try {
    load_sweep(write_sweep(dir, sweep));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Quick evaluations shrink what is big and keep what is small: a base's
// 200-image k-NN bank was raised to 1000 (slower, not quicker).
TEST(SweepConfig, QuickEvaluationsUseAtMostAFifthOfTheImages) {
  const std::string dir = test::train_tmp("sweep_quick");
  json base = tiny_base();
  base["probe_bank_size"] = 5000;
  base["probe_query_size"] = 1000;
  SweepConfig s = load_sweep(write_sweep(dir, tiny_sweep(), base));
  s.linear_probe.max_train = 0; // all
  s.finetune.epochs = 3;
  make_quick(s, dir);
  EXPECT_EQ(s.title, "tiny (quick evaluations)");
  const SweepRun run = expand_sweep(s, dir).front();
  EXPECT_EQ(run.config.probe_bank_size, 1000);
  EXPECT_EQ(run.config.probe_query_size, 500);
  EXPECT_EQ(s.linear_probe.max_train, 2000);
  EXPECT_EQ(s.linear_probe.max_test, 100); // the sweep's own, smaller
  EXPECT_EQ(s.finetune.epochs, 1.0);
  EXPECT_EQ(s.finetune.max_train, 200);
  EXPECT_EQ(default_sweep_dir(s, true), "runs/sweeps/tiny_ratio-quick");
  EXPECT_EQ(default_sweep_dir(s, false), "runs/sweeps/tiny_ratio");

  SweepConfig small = load_sweep(write_sweep(dir, tiny_sweep()));
  make_quick(small, dir);
  EXPECT_EQ(expand_sweep(small, dir).front().config.probe_bank_size, 200);
  EXPECT_EQ(expand_sweep(small, dir).front().config.probe_query_size, 100);
}

TEST(SweepConfig, ErrorsNameTheFieldAndTheRun) {
  json s = tiny_sweep();
  s["evaluations"] = {"knn", "imagenet"};
  EXPECT_TRUE(test::contains(error_of(s), "'evaluations'")) << error_of(s);
  s = tiny_sweep();
  s["axes"][0]["labels"] = {"one"};
  EXPECT_TRUE(test::contains(error_of(s), "'axes[0].labels'")) << error_of(s);
  s = tiny_sweep();
  s["finetune"]["layer_decay"] = 2;
  EXPECT_TRUE(test::contains(error_of(s), "layer_decay")) << error_of(s);
  s = tiny_sweep();
  s["axis"] = 1;
  EXPECT_TRUE(test::contains(error_of(s), "unknown config field 'axis'")) << error_of(s);
  // The same run twice: a value given twice, or one field on both axes.
  s = tiny_sweep();
  s["axes"][0]["values"] = {0.25, 0.75, 0.25};
  EXPECT_TRUE(test::contains(error_of(s), "'axes[0].values': 0.25 is given twice")) << error_of(s);
  s = tiny_sweep();
  s["axes"][1] = s["axes"][0];
  s["axes"][1]["values"] = {0.5, 0.9};
  EXPECT_TRUE(test::contains(error_of(s), "'axes[1].field': must differ from axes[0].field"))
      << error_of(s);
  // A value the training config refuses names the run and the field.
  s = tiny_sweep();
  s["axes"][0]["values"] = {0.5, 1.5};
  const std::string e = error_of(s);
  EXPECT_TRUE(test::contains(e, "01-mask_ratio=1.5") && test::contains(e, "mask_ratio")) << e;
  EXPECT_EQ(error_of(tiny_sweep()), "");
  // A base that is JSON but no object: said, not the JSON library's type error.
  const std::string dir = test::train_tmp("sweep_base_array");
  const std::string file = write_sweep(dir, tiny_sweep(), json::array({1, 2}));
  try {
    load_sweep(file);
    ADD_FAILURE() << "a base that is an array loaded";
  } catch (const ConfigError& err) {
    EXPECT_TRUE(test::contains(err.what(), "base must be a training config, a JSON object"))
        << err.what();
  }
}

// A sweep whose values nest 100,000 deep, in the sweep file or its base: a
// message (copying such a value overflowed the stack and closed the app).
TEST(SweepConfig, ValuesNestedTooDeepAreRefusedNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string dir = test::train_tmp("sweep_deep");
  const std::string file = write_sweep(dir, tiny_sweep());
  std::ofstream(file) << R"({"name": "deep", "base": "base.json", "axes": [{"field": "blr", )"
                      << R"("values": )" << deep << "}]}";
  const std::string e = test::error_of([&] { load_sweep(file); });
  EXPECT_TRUE(test::contains(e, "nested deeper than 64 levels")) << e;
  write_sweep(dir, tiny_sweep());
  std::ofstream(dir + "/base.json") << R"({"name": )" << deep << "}";
  const std::string b = test::error_of([&] { expand_sweep(load_sweep(file), dir); });
  EXPECT_TRUE(test::contains(b, "base.json: not valid JSON: values nested deeper")) << b;
}

TEST(SweepConfig, TwoAxesExpandWithNestedFieldsAndMergedObjects) {
  json s = tiny_sweep();
  s["overrides"] = {{"augment.hflip", false}};
  s["axes"] = json::parse(R"([
    {"field": "model.decoder_depth", "values": [1, 3]},
    {"field": "augment", "values": [{"random_resized_crop": false}, {"min_scale": 0.5}],
     "labels": ["none", "crop"]}])");
  const std::string dir = test::train_tmp("sweep_expand");
  const SweepConfig sweep = load_sweep(write_sweep(dir, s));
  const auto runs = expand_sweep(sweep, dir);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].id, "00-model.decoder_depth=1,augment=none");
  EXPECT_EQ(runs[3].labels, (std::vector<std::string>{"3", "crop"}));
  EXPECT_EQ(runs[2].config.model.decoder_depth, 3);
  EXPECT_FALSE(runs[0].config.augment.random_resized_crop);
  EXPECT_TRUE(runs[1].config.augment.random_resized_crop);
  EXPECT_DOUBLE_EQ(runs[1].config.augment.min_scale, 0.5);
  for (const auto& r : runs) {
    EXPECT_FALSE(r.config.augment.hflip); // the override reaches every run
    EXPECT_EQ(r.config.model.embed_dim, 32);
  }
}

TEST(SweepConfig, EveryShippedSweepLoads) {
  int n = 0;
  for (const auto& f : fs::directory_iterator(std::string(MAE_SOURCE_DIR) + "/configs/sweeps")) {
    if (f.path().filename() == "paper_ablations.json")
      continue;
    const SweepConfig s = load_sweep(f.path().string());
    EXPECT_FALSE(expand_sweep(s, f.path().parent_path().string()).empty());
    read_reference(s, f.path().parent_path().string()); // the paper's table exists
    // A Table of the paper whose numbers are not drawn says why (the app
    // said "the paper shows this ablation only as a figure" of Table 1b).
    if (s.name.rfind("table", 0) == 0 && s.reference.file.empty())
      EXPECT_NE(s.reference.note.find("not drawn"), std::string::npos) << s.name;
    // The Experiments tab says what the shipped runs found; the words are no
    // part of the sweep's record, which stays that of the runs already made.
    EXPECT_FALSE(s.findings.empty()) << s.name;
    EXPECT_FALSE(nlohmann::json(s).contains("findings")) << s.name;
    ++n;
  }
  EXPECT_GE(n, 7);
}

TEST(SweepRunner, StopsAtACheckpointAndResumesTheUnfinishedRun) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = test::train_tmp("sweep_run");
  const std::string file = write_sweep(dir, tiny_sweep());
  const SweepConfig sweep = load_sweep(file);
  SweepOptions o;
  o.out_dir = dir + "/out";
  o.device = "cpu";
  std::vector<std::string> stages;
  int steps_in_stage = 0;
  o.on_stage = [&](const SweepRun& run, const std::string& stage) {
    stages.push_back(run.id + ": " + stage);
    steps_in_stage = 0;
  };
  // Ctrl-C after three steps of the second run's training.
  o.keep_going = [&] {
    return stages.empty() || stages.back() != "01-mask_ratio=0.75: training" ||
           ++steps_in_stage <= 3;
  };
  std::vector<std::string> counted; // the linear probe's feature extraction, finished
  o.count = [&](const SweepRun& run, const std::string& what, size_t done, size_t total) {
    if (done == total)
      counted.push_back(run.id + ": " + what + " " + std::to_string(total));
  };
  const SweepSummary first = run_sweep(sweep, dir, o);
  EXPECT_TRUE(first.stopped);
  EXPECT_EQ(counted,
            (std::vector<std::string>{"00-mask_ratio=0.25: linear probe: training features 200",
                                      "00-mask_ratio=0.25: linear probe: test features 100"}));
  EXPECT_EQ(first.runs, 2);
  ASSERT_EQ(first.finished, 1);
  const SweepRunResult& done = first.results[0];
  EXPECT_EQ(done.id, "00-mask_ratio=0.25");
  EXPECT_EQ(done.steps, 6);
  ASSERT_TRUE(done.knn && done.linear_probe && done.finetune);
  for (double acc : {*done.knn, *done.linear_probe, *done.finetune})
    EXPECT_TRUE(acc >= 0 && acc <= 1) << acc;
  EXPECT_TRUE(fs::exists(o.out_dir + "/runs/00-mask_ratio=0.25/finetune/finetune.json"));
  EXPECT_TRUE(fs::exists(o.out_dir + "/runs/01-mask_ratio=0.75/checkpoint.safetensors"));
  const std::string first_line = test::slurp(o.out_dir + "/results.jsonl");

  // Again: the finished run is kept as it was, the stopped one resumes.
  stages.clear();
  o.keep_going = {};
  const SweepSummary second = run_sweep(sweep, dir, o);
  EXPECT_FALSE(second.stopped);
  ASSERT_EQ(second.finished, 2);
  EXPECT_EQ(second.ran_now, 1);
  ASSERT_FALSE(stages.empty());
  EXPECT_EQ(stages.front(), "01-mask_ratio=0.75: resuming");
  for (const auto& s : stages)
    EXPECT_FALSE(test::contains(s, "00-")) << s;
  EXPECT_EQ(second.results[1].steps, 6);
  const std::string both = test::slurp(o.out_dir + "/results.jsonl");
  EXPECT_EQ(both.rfind(first_line, 0), 0u) << "the finished run's line changed";
  const auto results = read_sweep_results(o.out_dir);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].labels, (std::vector<std::string>{"0.75"}));
  const std::string csv = test::slurp(o.out_dir + "/results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_EQ(csv.rfind("run,mask_ratio,knn,linear_probe,finetune,", 0), 0u) << csv;
  const Image plot = plot_sweep(sweep, results, {});
  EXPECT_EQ(plot.width, 1000);
  // Drawn at the size the app shows it, text larger for a projector.
  const Image small = plot_sweep(sweep, results, {}, 480, 269, 1.3);
  EXPECT_EQ(small.width, 480);
  EXPECT_EQ(small.height, 269);
  // Five legend entries over a projector's short panel: side by side, so the
  // plot keeps most of the height (one a line left it a strip of pixels).
  std::vector<ReferenceSeries> paper;
  for (const char* protocol : {"finetune", "linear_probe"})
    paper.push_back({std::string("paper, ") + protocol + " (ImageNet ViT-L, Table 1a)",
                     protocol,
                     {{0, 0.6}, {1, 0.7}}});
  const Image projector = plot_sweep(sweep, results, paper, 700, 330, 1.3);
  // The plot's frame: its left edge, dark, in the column 80 x 1.3 px in.
  int frame_rows = 0;
  for (int y = 0; y < projector.height; ++y)
    frame_rows += projector.pixels[(static_cast<size_t>(y) * projector.width + 104) * 3] < 80;
  EXPECT_GT(frame_rows, projector.height / 4)
      << "the legend left the plot " << frame_rows << " px of " << projector.height;
  EXPECT_THROW(plot_sweep(sweep, results, {}, 10, 10), UsageError);
  EXPECT_THROW(plot_sweep(sweep, results, {}, 500, 300, 0.0), UsageError);

  // While another process writes there, even --force changes nothing.
  {
    const FolderLock other_process(o.out_dir);
    SweepOptions forced = o;
    forced.force = true;
    const std::string why = test::error_of([&] { run_sweep(sweep, dir, forced); });
    EXPECT_TRUE(test::contains(why, "is in use")) << why;
    EXPECT_EQ(test::slurp(o.out_dir + "/results.jsonl"), both);
  }

  // Another sweep in the same folder is refused, and so is a folder of other files.
  json other = tiny_sweep();
  other["axes"][0]["values"] = {0.5};
  const SweepConfig changed = load_sweep(write_sweep(dir, other));
  const std::string why = test::error_of([&] { run_sweep(changed, dir, o); });
  EXPECT_TRUE(test::contains(why, "its sweep.json differs at /axes/0/labels, /axes/0/values)"))
      << why;
  EXPECT_TRUE(test::contains(why, "--force (which trains every run again)")) << why;

  // Only the evaluations changed (a longer linear probe): the refusal points
  // at --reevaluate, which keeps the trained runs and measures them again.
  json longer = tiny_sweep();
  longer["linear_probe"]["epochs"] = 3;
  const SweepConfig reprobed = load_sweep(write_sweep(dir, longer));
  const std::string hint = test::error_of([&] { run_sweep(reprobed, dir, o); });
  EXPECT_TRUE(test::contains(hint, "differs at /sweep/linear_probe/epochs") ||
              test::contains(hint, "differs at /linear_probe/epochs"))
      << hint;
  EXPECT_TRUE(test::contains(hint, "--reevaluate (only the evaluations changed")) << hint;
  EXPECT_EQ(test::slurp(o.out_dir + "/results.jsonl"), both);
  SweepOptions reevaluate = o;
  reevaluate.reevaluate = true;
  std::vector<std::string> logged;
  reevaluate.log = [&](const std::string& line) { logged.push_back(line); };
  stages.clear();
  const SweepSummary third = run_sweep(reprobed, dir, reevaluate);
  EXPECT_EQ(third.finished, 2);
  EXPECT_EQ(third.ran_now, 2);
  ASSERT_FALSE(logged.empty());
  EXPECT_TRUE(test::contains(logged.front(), "the trained runs are kept and measured again"))
      << logged.front();
  for (const std::string run : {"00-mask_ratio=0.25", "01-mask_ratio=0.75"}) {
    EXPECT_NE(std::find(stages.begin(), stages.end(), run + ": resuming"), stages.end()) << run;
    EXPECT_NE(std::find(stages.begin(), stages.end(), run + ": linear probe"), stages.end())
        << run; // measured again, not "measured before the stop, kept"
    EXPECT_EQ(std::find(stages.begin(), stages.end(), run + ": training"), stages.end()) << run;
  }
  for (const SweepRunResult& r : third.results)
    EXPECT_EQ(r.steps, 6);
  // The same weights: the k-NN read-out, whose settings did not change, agrees.
  ASSERT_TRUE(third.results[0].knn && results[0].knn);
  EXPECT_DOUBLE_EQ(*third.results[0].knn, *results[0].knn);
  fs::create_directories(dir + "/mine");
  std::ofstream(dir + "/mine/notes.txt") << "keep me";
  o.out_dir = dir + "/mine";
  EXPECT_THROW(run_sweep(changed, dir, o), UsageError);
  EXPECT_EQ(test::slurp(dir + "/mine/notes.txt"), "keep me");
  // Not even with --force: that starts over only a sweep's folder, and this
  // one's "runs" are the user's own (mae train's default folder).
  fs::create_directories(dir + "/mine/runs/my_run");
  std::ofstream(dir + "/mine/runs/my_run/checkpoint.safetensors") << "weights";
  o.force = true;
  EXPECT_THROW(run_sweep(changed, dir, o), UsageError);
  EXPECT_EQ(test::slurp(dir + "/mine/runs/my_run/checkpoint.safetensors"), "weights");
}

// Stopped during the fine-tuning (minutes on a CPU), a run keeps its k-NN and
// linear probe results: the same command goes on with the fine-tuning instead
// of measuring them again, and says nothing of a finished run to extend.
TEST(SweepRunner, AStopDuringFineTuningKeepsTheProbesMeasured) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = test::train_tmp("sweep_eval_kept");
  json s = tiny_sweep();
  s["axes"][0]["values"] = {0.75};
  const SweepConfig sweep = load_sweep(write_sweep(dir, s));
  SweepOptions o;
  o.out_dir = dir + "/out";
  o.device = "cpu";
  std::vector<std::string> stages, log;
  o.on_stage = [&](const SweepRun&, const std::string& stage) { stages.push_back(stage); };
  o.log = [&](const std::string& line) { log.push_back(line); };
  int counted = 0;
  o.count = [&](const SweepRun&, const std::string&, size_t, size_t) { ++counted; };
  o.keep_going = [&] { return stages.empty() || stages.back() != "fine-tuning"; };
  const SweepSummary first = run_sweep(sweep, dir, o);
  ASSERT_TRUE(first.stopped);
  EXPECT_GT(counted, 0);
  const json saved =
      json::parse(test::slurp(o.out_dir + "/runs/00-mask_ratio=0.75/evaluations.json"));
  EXPECT_EQ(saved["step"], 6);
  ASSERT_TRUE(saved.contains("knn") && saved.contains("linear_probe")) << saved.dump();

  stages.clear();
  log.clear();
  counted = 0;
  o.keep_going = {};
  const SweepSummary second = run_sweep(sweep, dir, o);
  ASSERT_EQ(second.finished, 1);
  EXPECT_EQ(stages,
            (std::vector<std::string>{"resuming", "linear probe: measured before the stop, kept",
                                      "fine-tuning"}));
  EXPECT_EQ(counted, 0); // no features extracted again
  EXPECT_EQ(*second.results[0].knn, saved["knn"].get<double>());
  EXPECT_EQ(*second.results[0].linear_probe, saved["linear_probe"].get<double>());
  EXPECT_TRUE(second.results[0].finetune);
  for (const std::string& line : log)
    EXPECT_FALSE(test::contains(line, "nothing to train")) << line;
}

TEST(SweepRunner, ReusesAnIdenticalRunOfAnotherSweep) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = test::train_tmp("sweep_reuse");
  json first = tiny_sweep();
  first["evaluations"] = {"knn"};
  SweepOptions o;
  o.device = "cpu";
  o.out_dir = dir + "/a";
  const SweepSummary a = run_sweep(load_sweep(write_sweep(dir, first)), dir, o);
  ASSERT_EQ(a.finished, 2);

  // The same base over other values: 0.75 is run 1 there, run 0 here.
  json second = first;
  second["axes"][0]["values"] = {0.75, 0.5};
  std::vector<std::string> stages;
  o.on_stage = [&](const SweepRun& run, const std::string& stage) {
    stages.push_back(run.id + ": " + stage);
  };
  o.out_dir = dir + "/b";
  o.reuse = {dir + "/a"};
  const SweepSummary b = run_sweep(load_sweep(write_sweep(dir, second)), dir, o);
  ASSERT_EQ(b.finished, 2);
  EXPECT_EQ(b.ran_now, 2);
  ASSERT_FALSE(stages.empty());
  EXPECT_TRUE(test::contains(stages.front(), "00-mask_ratio=0.75: same config")) << stages.front();
  for (const auto& s : stages)
    EXPECT_FALSE(test::contains(s, "00-mask_ratio=0.75: training")) << s;
  EXPECT_EQ(b.results[0].reused_from, dir + "/a");
  EXPECT_EQ(b.results[0].knn, a.results[1].knn);
  EXPECT_EQ(b.results[0].final_loss, a.results[1].final_loss);
  EXPECT_TRUE(b.results[1].reused_from.empty());
  EXPECT_TRUE(test::slurp(o.out_dir + "/runs/00-mask_ratio=0.75/model.safetensors") ==
              test::slurp(dir + "/a/runs/01-mask_ratio=0.75/model.safetensors"));
  EXPECT_EQ(read_sweep_results(o.out_dir)[0].reused_from, dir + "/a");

  // Other evaluation settings: nothing is reused.
  json third = second;
  third["linear_probe"]["epochs"] = 3;
  stages.clear();
  o.out_dir = dir + "/c";
  const SweepSummary c = run_sweep(load_sweep(write_sweep(dir, third)), dir, o);
  ASSERT_EQ(c.finished, 2);
  EXPECT_TRUE(c.results[0].reused_from.empty());
  EXPECT_EQ(stages.front(), "00-mask_ratio=0.75: training");
  EXPECT_EQ(sibling_sweeps(o.out_dir), (std::vector<std::string>{dir + "/a", dir + "/b"}));
  o.reuse = {o.out_dir};
  EXPECT_THROW(run_sweep(load_sweep(write_sweep(dir, third)), dir, o), UsageError);

  // A folder whose sweep.json lists no run configs is passed over (it was the
  // JSON library's type error), and the next one is reused.
  fs::create_directories(dir + "/odd");
  std::ofstream(dir + "/odd/sweep.json")
      << R"({"format": "mae-studio sweep", "sweep": 5, "run_configs": "oops"})";
  fs::copy_file(dir + "/a/results.jsonl", dir + "/odd/results.jsonl");
  json only = first;
  only["axes"][0]["values"] = {0.25};
  o.out_dir = dir + "/d";
  o.reuse = {dir + "/odd", dir + "/a"};
  const SweepSummary d = run_sweep(load_sweep(write_sweep(dir, only)), dir, o);
  ASSERT_EQ(d.finished, 1);
  EXPECT_EQ(d.results[0].reused_from, dir + "/a");
}

// results.jsonl is the user's to edit: an id that is a path (--reuse copied
// that folder in), an index that wraps, accuracies and steps no run has are
// passed over; a FIFO is named, not waited on.
TEST(SweepRunner, ResultLinesNoRunWroteArePassedOver) {
  const std::string dir = test::train_tmp("sweep_hostile_results");
  std::ofstream(dir + "/results.jsonl")
      << R"({"index": 0, "id": "..", "knn": 0.5})"
      << "\n"
      << R"({"index": 0, "id": "/tmp", "knn": 0.5})"
      << "\n"
      << R"({"index": 0, "id": "runs/x", "knn": 0.5})"
      << "\n"
      << R"({"index": 4294967296, "id": "wraps", "knn": 0.5})"
      << "\n"
      << R"({"index": 1.5, "id": "half", "knn": 0.5})"
      << "\n"
      << R"({"index": 1, "id": "01-ok", "knn": -5, "finetune": 1e300, "linear_probe": 0.5,)"
      << R"( "final_loss": 0.25, "steps": 1e300})"
      << "\n";
  const std::vector<SweepRunResult> results = read_sweep_results(dir);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, "01-ok");
  EXPECT_EQ(results[0].index, 1);
  EXPECT_FALSE(results[0].knn);
  EXPECT_FALSE(results[0].finetune);
  EXPECT_EQ(results[0].linear_probe, 0.5);
  EXPECT_EQ(results[0].final_loss, 0.25);
  EXPECT_EQ(results[0].steps, 0);

  fs::remove(dir + "/results.jsonl");
  ASSERT_EQ(::mkfifo((dir + "/results.jsonl").c_str(), 0600), 0);
  EXPECT_EQ(test::error_of([&] { read_sweep_results(dir); }),
            "cannot read the sweep's results '" + dir +
                "/results.jsonl': it is a FIFO, not a regular file (reading it could wait "
                "forever)");
}

TEST(SweepCli, WritesTheTableAndThePlot) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = test::train_tmp("sweep_cli");
  json s = tiny_sweep();
  s["evaluations"] = {"knn", "linear_probe"};
  const std::string file = write_sweep(dir, s);
  const auto r = test::run_binary(
      MAE_CLI, "sweep '" + file + "' --out '" + dir + "/out' --steps 2 --quiet", dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(test::contains(r.out, "2 runs finished")) << r.out;
  EXPECT_TRUE(test::contains(r.out, "01-mask_ratio=0.75")) << r.out;
  EXPECT_GT(fs::file_size(dir + "/out/plot.png"), 1000u);
  const auto results = read_sweep_results(dir + "/out");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].steps, 2);
  EXPECT_FALSE(results[0].finetune.has_value());
  // --quick: smaller evaluations, recorded as the sweep's (so a full run in
  // the same folder is another sweep), into a folder of its own by default.
  s["linear_probe"]["max_train"] = 0; // all
  s["linear_probe"]["batch_size"] = 1024;
  fs::create_directories(dir + "/quick");
  const std::string quick_file = write_sweep(dir + "/quick", s);
  const std::string quick = "cd '" + dir + "/quick' && '" + MAE_CLI + "' sweep '" + quick_file +
                            "' --steps 2 --quick --quiet > log.txt 2>&1";
  ASSERT_EQ(std::system(quick.c_str()), 0) << test::slurp(dir + "/quick/log.txt");
  const json record =
      json::parse(test::slurp(dir + "/quick/runs/sweeps/tiny_ratio-quick/sweep.json"));
  EXPECT_EQ(record["sweep"]["linear_probe"]["max_train"], 2000);
  EXPECT_EQ(record["sweep"]["linear_probe"]["batch_size"], 256);
  EXPECT_EQ(record["sweep"]["title"], "tiny (quick evaluations)");
  EXPECT_EQ(record["run_configs"][0]["probe_bank_size"], 200); // the base's, under 1000
  const auto r2 = test::run_binary(
      MAE_CLI, "sweep '" + file + "' --out '" + dir + "/out2' --reuse '" + dir + "/out/runs'", dir);
  EXPECT_EQ(r2.code, 2); // a usage error
  EXPECT_TRUE(test::contains(r2.err, "not a sweep folder")) << r2.err;
  EXPECT_FALSE(fs::exists(dir + "/out2"));
  // A bad sweep file: the field named, exit 1, nothing written.
  s["axes"][0]["values"] = json::array();
  const std::string bad = write_sweep(dir + "/out/..", s);
  const auto e = test::run_binary(MAE_CLI, "sweep '" + bad + "' --out '" + dir + "/bad'", dir);
  EXPECT_EQ(e.code, 1);
  EXPECT_TRUE(test::contains(e.err, "axes[0].values")) << e.err;
  EXPECT_FALSE(fs::exists(dir + "/bad"));
}

// The shipped sweeps are listed, and run by name as well as by file.
TEST(SweepCli, ListsTheShippedSweepsAndTakesTheirNames) {
  const std::string dir = test::train_tmp("sweep_list");
  const auto list = test::run_binary(MAE_CLI, "sweep --list", dir);
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_TRUE(test::contains(list.out, "fig5_mask_ratio          5 runs  ")) << list.out;
  EXPECT_TRUE(test::contains(list.out, "table1d_target")) << list.out;
  EXPECT_FALSE(test::contains(list.out, "paper_ablations")) << list.out; // tables, no sweep
  const auto none = test::run_binary(MAE_CLI, "sweep", dir);
  EXPECT_EQ(none.code, 2);
  EXPECT_TRUE(test::contains(none.out, "fig5_mask_ratio")) << none.out;
  EXPECT_TRUE(test::contains(none.err, "give a sweep")) << none.err;
  const auto named = test::run_binary(MAE_CLI, "sweep fig5_mask_ratio --dry-run", dir);
  ASSERT_EQ(named.code, 0) << named.err;
  EXPECT_TRUE(test::contains(named.out, "fig5_mask_ratio: 5 runs")) << named.out;
}

} // namespace
} // namespace mae
