// The training loop: loss goes down, resume is exact, failed writes and
// non-finite losses keep the last good checkpoint, probes and previews.
#include "trainer_fixture.h"

#include "error_of.h"
#include "slurp.h"

#include "base/errors.h"
#include "formats/safetensors.h"
#include "train/metrics_log.h"
#include "train/run_plan.h"
#include "train/train_state.h"
#include "train/trainer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace mae {
namespace {

TEST_F(TrainerTest, LossDecreasesOnATinyRun) {
  TrainConfig c = test::tiny_train_config(shards_);
  c.total_steps = 40;
  c.warmup_steps = 5;
  c.log_every = 5;
  const std::string out = test::train_tmp("loss_decreases");
  Trainer trainer(c, {out});
  Quiet q;
  const TrainSummary s = trainer.run(q);
  EXPECT_EQ(s.step, 40);
  const auto records = read_metrics(out + "/metrics.jsonl");
  ASSERT_EQ(records.size(), 8u);
  EXPECT_LT(*records.back().loss, 0.75 * *records.front().loss)
      << "loss " << *records.front().loss << " -> " << *records.back().loss;
  EXPECT_TRUE(fs::exists(out + "/checkpoint.safetensors"));
  EXPECT_TRUE(fs::exists(out + "/config.json"));
  const LoadedModel m = load_model(out + "/model.safetensors");
  EXPECT_EQ(m.model->config(), c.model);
  EXPECT_EQ(m.metadata.at("train_step"), "40");
  EXPECT_NE(m.metadata.at("normalization").find("mean"), std::string::npos);
}

TEST_F(TrainerTest, ResumeEqualsAnUninterruptedRun) {
  const TrainConfig c = test::tiny_train_config(shards_); // 6 steps of 2 accumulated micro-batches
  const std::string straight = test::train_tmp("resume_straight"),
                    split = test::train_tmp("resume_split");
  {
    Trainer t(c, {straight});
    Quiet q;
    t.run(q);
  }
  {
    Trainer t(c, {split});
    StopAt stop(3);
    const TrainSummary s = t.run(stop);
    EXPECT_TRUE(s.stopped_early);
    EXPECT_EQ(s.step, 3);
  }
  {
    TrainOptions o{split};
    o.resume = split + "/checkpoint.safetensors";
    Trainer t(c, o);
    EXPECT_EQ(t.step(), 3);
    Quiet q;
    EXPECT_EQ(t.run(q).step, 6);
  }
  const auto a = weights(straight + "/model.safetensors"),
             b = weights(split + "/model.safetensors");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a)
    EXPECT_TRUE(torch::equal(t, b.at(name))) << name << " differs after resume";
  const TrainState sa = read_train_state(straight + "/checkpoint.safetensors");
  const TrainState sb = read_train_state(split + "/checkpoint.safetensors");
  for (const auto& [name, t] : sa.optimizer)
    EXPECT_TRUE(torch::equal(t, sb.optimizer.at(name))) << name;
  EXPECT_EQ(sb.metadata.at("step"), "6");
  EXPECT_EQ(read_metrics(split + "/metrics.jsonl").size(),
            6u); // one line per step, none duplicated
}

// Collects the run's messages.
struct Messages : TrainObserver {
  std::vector<std::string> lines;
  void on_message(const std::string& line) override { lines.push_back(line); }
  bool has(const std::string& prefix) const {
    for (const auto& l : lines)
      if (l.rfind(prefix, 0) == 0)
        return true;
    return false;
  }
};

// The thread probe runs forward and backward on a synthetic batch before the
// first step: the run that follows must train exactly as one that started on
// the chosen count, and a resumed run keeps the count it saved.
TEST_F(TrainerTest, ThreadProbeLeavesTheRunUnchanged) {
  const TrainConfig c = test::tiny_train_config(shards_);
  const std::string probed = test::train_tmp("threads_probed"),
                    plain = test::train_tmp("threads_plain");
  torch::set_num_threads(2);
  TrainOptions o{probed};
  o.probe_threads = true;
  int chosen = 0;
  {
    Trainer t(c, o);
    Messages m;
    t.run(m);
    EXPECT_TRUE(m.has("threads:  ")) << "no probe message";
    chosen = torch::get_num_threads();
  }
  EXPECT_EQ(read_train_state(probed + "/checkpoint.safetensors").metadata.at("cpu_threads"),
            std::to_string(chosen));
  {
    torch::set_num_threads(chosen);
    Trainer t(c, {plain});
    Quiet q;
    t.run(q);
  }
  const auto a = weights(probed + "/model.safetensors"), b = weights(plain + "/model.safetensors");
  for (const auto& [name, t] : a)
    EXPECT_TRUE(torch::equal(t, b.at(name))) << name << " differs after the probe";

  // Resumed with more steps: no new probe, the saved count.
  torch::set_num_threads(2);
  TrainConfig longer = c;
  longer.total_steps = c.total_steps + 2;
  o.resume = probed + "/checkpoint.safetensors";
  Trainer t(longer, o);
  Messages m;
  t.run(m);
  EXPECT_TRUE(m.has("threads:  " + std::to_string(chosen) + " (the count this run chose"));
  EXPECT_EQ(torch::get_num_threads(), chosen);
  torch::set_num_threads(1);
}

TEST_F(TrainerTest, AResumedRunLogsTheSameLinesAndRepairsItsModelFile) {
  TrainConfig c = test::tiny_train_config(shards_);
  c.log_every = 4; // the resume at step 3 falls inside a logging window
  const std::string straight = test::train_tmp("window_straight"),
                    split = test::train_tmp("window_split");
  {
    Trainer t(c, {straight});
    Quiet q;
    t.run(q);
  }
  {
    Trainer t(c, {split});
    StopAt stop(3);
    t.run(stop);
  }
  // As a kill between the checkpoint's write and the model file's would leave it.
  std::ofstream(split + "/model.safetensors") << "cut short";
  {
    TrainOptions o{split};
    o.resume = split + "/checkpoint.safetensors";
    Trainer t(c, o);
    bool repaired = false;
    for (const std::string& line : t.describe())
      repaired |= line.rfind("repaired:", 0) == 0;
    EXPECT_TRUE(repaired);
    EXPECT_NO_THROW(load_model(split + "/model.safetensors"));
    Quiet q;
    t.run(q);
  }
  // A model file that is a link is not repaired through it (what it points
  // to would be replaced): the resume is refused and the file kept.
  const std::string precious = "notes, not this run's model";
  std::ofstream(split + "/precious.safetensors") << precious;
  fs::remove(split + "/model.safetensors");
  fs::create_symlink("precious.safetensors", split + "/model.safetensors");
  {
    TrainOptions o{split};
    o.resume = split + "/checkpoint.safetensors";
    const std::string why = test::error_of([&] { Trainer(c, o); });
    EXPECT_NE(why.find("model.safetensors is a link to 'precious.safetensors'"), std::string::npos)
        << why;
    EXPECT_EQ(test::slurp(split + "/precious.safetensors"), precious);
  }
  const auto a = read_metrics(straight + "/metrics.jsonl");
  const auto b = read_metrics(split + "/metrics.jsonl");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].step, b[i].step);
    ASSERT_EQ(a[i].loss.has_value(), b[i].loss.has_value()) << "step " << a[i].step;
    if (a[i].loss) // the window of steps 1-4 spans the resume: the same mean
      EXPECT_EQ(*a[i].loss, *b[i].loss) << "step " << a[i].step;
  }
}

// A new run in a run's folder (--force) that dies before its first
// checkpoint loses neither run: the old one's files wait aside, a resume says
// where, a new run without --force is refused, and they go once a new run
// has a checkpoint of its own.
TEST_F(TrainerTest, AReplacingRunKeepsTheOldOneAsideUntilItsFirstCheckpoint) {
  const TrainConfig c = test::tiny_train_config(shards_);
  const std::string dir = test::train_tmp("replaced_aside");
  {
    Trainer t(c, {dir});
    StopAt stop(2);
    t.run(stop);
  }
  const std::string old_model = test::slurp(dir + "/model.safetensors");
  { Trainer dies_before_saving(c, {dir}); }
  EXPECT_FALSE(fs::exists(dir + "/checkpoint.safetensors"));
  EXPECT_TRUE(fs::exists(dir + "/checkpoint.safetensors.replaced"));
  EXPECT_EQ(test::slurp(dir + "/model.safetensors.replaced"), old_model);
  RunRequest resume;
  resume.resume = dir;
  const std::string why = test::error_of([&] { plan_run(resume, 0); });
  EXPECT_NE(why.find("the run it replaced is " + dir + "/checkpoint.safetensors.replaced"),
            std::string::npos)
      << why;
  const std::string config = dir + "/../replaced_aside_config.json";
  std::ofstream(config) << train_config_json(c);
  RunRequest fresh;
  fresh.config_path = config;
  fresh.out_dir = dir;
  EXPECT_THROW(plan_run(fresh, 0), RunFolderInUse);
  fresh.force = true;
  EXPECT_NO_THROW(plan_run(fresh, 0));
  {
    Trainer t(c, {dir});
    StopAt stop(1);
    t.run(stop); // a stop saves a checkpoint
  }
  EXPECT_TRUE(fs::exists(dir + "/checkpoint.safetensors"));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().string().find(".replaced"), std::string::npos) << e.path();
}

TEST_F(TrainerTest, FailedCheckpointWriteKeepsThePreviousOne) {
  const TrainConfig c = test::tiny_train_config(shards_);
  const std::string dir = test::train_tmp("atomic_a"), other = test::train_tmp("atomic_b");
  {
    Trainer t(c, {dir});
    StopAt stop(2);
    t.run(stop); // checkpoint at step 2
  }
  Trainer later(c, {other});
  StopAt stop(4);
  later.run(stop);
  EXPECT_THROW(
      later.save_checkpoint(dir, [] { throw std::runtime_error("simulated crash before rename"); }),
      std::runtime_error);
  const TrainState kept = read_train_state(dir + "/checkpoint.safetensors");
  EXPECT_EQ(kept.metadata.at("step"), "2");
  EXPECT_NO_THROW(load_model(dir + "/model.safetensors"));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << "left behind: " << e.path();
  TrainOptions o{dir};
  o.resume = dir + "/checkpoint.safetensors";
  EXPECT_EQ(Trainer(c, o).step(), 2);
}

TEST_F(TrainerTest, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  TrainConfig c = test::tiny_train_config(shards_);
  c.checkpoint_every = 1;
  c.log_every = 10;
  TrainOptions o{test::train_tmp("nan_stop")};
  o.poison_step = [](int64_t step) { return step == 2; };
  Trainer t(c, o);
  Quiet q;
  try {
    t.run(q);
    FAIL() << "a NaN loss did not stop training";
  } catch (const TrainError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
    EXPECT_NE(msg.find("step 2"), std::string::npos) << msg;
  }
  EXPECT_EQ(read_train_state(o.out_dir + "/checkpoint.safetensors").metadata.at("step"), "2");
}

TEST_F(TrainerTest, NonFiniteStepsCanBeSkipped) {
  TrainConfig c = test::tiny_train_config(shards_);
  c.skip_nonfinite = true;
  TrainOptions o{test::train_tmp("nan_skip")};
  o.poison_step = [](int64_t step) { return step == 1 || step == 4; };
  Trainer t(c, o);
  Quiet q;
  const TrainSummary s = t.run(q);
  EXPECT_EQ(s.step, 6);
  EXPECT_EQ(s.last.skipped_steps, 2);
  for (const auto& [name, w] : weights(o.out_dir + "/model.safetensors"))
    EXPECT_TRUE(torch::isfinite(w).all().item<bool>()) << name;
}

TEST_F(TrainerTest, ProbeAndPreviews) {
  TrainConfig c = test::tiny_train_config(shards_, 3); // gray shards into an RGB model
  c.probe_every = 3;
  Trainer t(c, {test::train_tmp("probe")});
  Quiet q;
  const TrainSummary s = t.run(q);
  ASSERT_TRUE(s.initial_knn_accuracy && s.final_knn_accuracy);
  EXPECT_GE(*s.final_knn_accuracy, 0.0);
  EXPECT_LE(*s.final_knn_accuracy, 1.0);
  const auto previews = t.previews(3);
  ASSERT_EQ(previews.size(), 3u);
  EXPECT_EQ(previews[0].masked.width, 16);
  EXPECT_EQ(previews[0].reconstruction_visible.channels, 3);
  EXPECT_EQ(previews[0].original.pixels.size(), 16u * 16 * 3);
}

// Ctrl-C during the k-NN probe (seconds on a CPU) abandons it: the run stops
// at that step with its checkpoint, the metrics line has no accuracy.
TEST_F(TrainerTest, AStopAskedDuringTheProbeAbandonsIt) {
  struct StopDuringProbe : TrainObserver {
    int64_t steps = 0;
    int asked = 0;
    std::vector<std::string> lines;
    void after_step(Trainer& t) override { steps = t.step(); }
    bool stop_asked() override {
      ++asked;
      return steps >= 3;
    }
    bool before_step(Trainer&) override { return steps < 3; }
    void on_message(const std::string& line) override { lines.push_back(line); }
  } observer;
  TrainConfig c = test::tiny_train_config(shards_, 3);
  c.probe_every = 3;
  c.log_every = 1;
  const std::string out = test::train_tmp("probe_abandoned");
  Trainer t(c, {out});
  const TrainSummary s = t.run(observer);
  EXPECT_TRUE(s.initial_knn_accuracy); // asked, not stopping: measured
  EXPECT_FALSE(s.final_knn_accuracy);
  EXPECT_TRUE(s.stopped_early);
  EXPECT_EQ(s.step, 3);
  EXPECT_GE(observer.asked, 2);
  EXPECT_NE(
      std::find(observer.lines.begin(), observer.lines.end(), "k-NN probe: abandoned (stopping)"),
      observer.lines.end());
  const auto records = read_metrics(out + "/" + kMetricsName);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().step, 3);
  EXPECT_FALSE(records.back().knn_accuracy);
  EXPECT_EQ(read_train_state(out + "/checkpoint.safetensors").metadata.at("step"), "3");
  EXPECT_TRUE(t.probe()); // nothing asked: measured
}

// A held-out split whose classes are not the training ones (a folder missing
// one): its labels would be compared as numbers with the wrong classes. The
// k-NN probe queries training images instead, and says why.
TEST_F(TrainerTest, AHeldOutSplitOfOtherClassesIsNotProbed) {
  const std::string held = test::train_tmp("other_classes_" + std::to_string(::getpid()));
  ShardWriter w(held, 1, 18, {"hstripes", "vstripes", "ramp"});
  for (int i = 0; i < 6; ++i)
    w.add(test::synthetic_image(i, 1), i % 3);
  w.finish();
  TrainConfig c = test::tiny_train_config(shards_);
  c.data.val_path = held;
  c.probe_every = 1;
  Trainer t(c, {test::train_tmp("other_classes_run")});
  const auto lines = t.describe();
  const auto probe = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.rfind("probe:    the held-out images' classes", 0) == 0;
  });
  ASSERT_NE(probe, lines.end()) << ::testing::PrintToString(lines);
  EXPECT_NE(probe->find("classes only in training: checker"), std::string::npos) << *probe;
  EXPECT_NE(probe->find("the k-NN queries are training images instead"), std::string::npos);
}

// recon_eval_every: the held-out masked-region MSE is logged every N steps,
// the weights of its lowest value are kept in best_model.safetensors, and a
// resumed run goes on from the best it had.
TEST_F(TrainerTest, HeldOutReconstructionKeepsTheBestWeights) {
  const std::string held = test::train_tmp("heldout_shards_" + std::to_string(::getpid()));
  test::write_synthetic_shards(held, 12, 1, /*labelled=*/false);
  TrainConfig c = test::tiny_train_config(shards_);
  c.data.val_path = held;
  c.recon_eval_every = 2;
  c.recon_eval_images = 8;
  c.recon_eval_masks = 2;
  c.total_steps = 10;
  c.blr = 0.2; // a fast, noisy run: the best need not be the last
  const std::string out = test::train_tmp("heldout_best");
  {
    Trainer t(c, {out});
    StopAt stop(5);
    const TrainSummary s = t.run(stop);
    ASSERT_TRUE(s.initial_heldout_mse && s.best_heldout_mse);
    EXPECT_LE(*s.best_heldout_mse, *s.initial_heldout_mse);
  }
  // Resumed into another folder: its metrics and best model are the whole
  // run's (it named a best_model.safetensors it did not have).
  const std::string branch = test::train_tmp("heldout_branch");
  TrainSummary branched;
  {
    TrainOptions o{branch};
    o.resume = out + "/checkpoint.safetensors";
    Trainer t(c, o);
    Quiet q;
    branched = t.run(q);
  }
  TrainOptions resume{out};
  resume.resume = out + "/checkpoint.safetensors";
  Trainer t(c, resume);
  Quiet q;
  const TrainSummary s = t.run(q);

  std::vector<int64_t> steps;
  double best = 1e9;
  int64_t best_step = -1;
  for (const auto& r : read_metrics(out + "/metrics.jsonl"))
    if (r.heldout_mse) {
      steps.push_back(r.step);
      if (*r.heldout_mse < best) {
        best = *r.heldout_mse;
        best_step = r.step;
      }
    }
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 2, 4, 6, 8, 10}));
  ASSERT_TRUE(s.best_heldout_mse);
  EXPECT_EQ(s.best_heldout_step, best_step);
  EXPECT_DOUBLE_EQ(*s.best_heldout_mse, best);
  const LoadedModel m = load_model(out + "/best_model.safetensors");
  EXPECT_EQ(m.metadata.at("step"), std::to_string(best_step));
  EXPECT_DOUBLE_EQ(std::stod(m.metadata.at("heldout_masked_mse")), best);
  std::vector<int64_t> branch_steps;
  for (const auto& r : read_metrics(branch + "/metrics.jsonl"))
    if (r.heldout_mse)
      branch_steps.push_back(r.step);
  EXPECT_EQ(branch_steps, steps);
  EXPECT_EQ(branched.best_heldout_step, best_step);
  EXPECT_EQ(branched.best_model_path, branch + "/best_model.safetensors");
  EXPECT_EQ(load_model(branched.best_model_path).metadata.at("step"), std::to_string(best_step));

  // The file holds that step's weights: those of a run stopped there.
  const std::string stopped = test::train_tmp("heldout_stopped");
  {
    Trainer u(c, {stopped});
    StopAt stop(best_step);
    u.run(stop);
  }
  const auto a = weights(out + "/best_model.safetensors"),
             b = weights(stopped + "/model.safetensors");
  for (const auto& [name, w] : a)
    EXPECT_TRUE(torch::equal(w, b.at(name))) << name << " is not the best step's";
  fs::remove_all(held);
}

// --init: a fresh run that starts from a model file's weights, not the seed's;
// another architecture or a resume with it is refused with the reason.
TEST_F(TrainerTest, InitStartsFromAModelsWeights) {
  const TrainConfig c = test::tiny_train_config(shards_);
  const std::string first = test::train_tmp("init_first"), second = test::train_tmp("init_second");
  {
    Trainer t(c, {first});
    StopAt stop(3);
    t.run(stop);
  }
  TrainOptions init{second};
  init.init = first + "/model.safetensors";
  {
    Trainer t(c, init);
    StopAt stop(0); // saves the starting weights
    t.run(stop);
  }
  const auto a = weights(first + "/model.safetensors"), b = weights(second + "/model.safetensors");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, w] : a)
    EXPECT_TRUE(torch::equal(w, b.at(name))) << name << " is not the --init model's";

  TrainConfig rgb = test::tiny_train_config(shards_, 3);
  try {
    Trainer t(rgb, init);
    FAIL() << "another architecture was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("another architecture than the config's (in_chans 1 "
                                         "there, 3 in the config)"),
              std::string::npos)
        << e.what();
  }
  // A resume under a config that changed the model names what changed: the
  // two summaries read the same when only the mask ratio did.
  TrainConfig other = c;
  other.model.mask_ratio = c.model.mask_ratio + 0.125;
  TrainOptions again{first};
  again.resume = first + "/checkpoint.safetensors";
  try {
    Trainer t(other, again);
    FAIL() << "a resume with another mask ratio was accepted";
  } catch (const TrainError& e) {
    const nlohmann::json saved = c.model.mask_ratio, wanted = other.model.mask_ratio;
    EXPECT_NE(std::string(e.what()).find("its model differs from the config's (mask_ratio " +
                                         saved.dump() + " there, " + wanted.dump() +
                                         " in the config)"),
              std::string::npos)
        << e.what();
  }
  init.resume = first + "/checkpoint.safetensors";
  EXPECT_THROW(Trainer(c, init), UsageError);
}

// An official checkpoint states no architecture, and a small one matches no
// named one to borrow head counts from: --init takes the training config's.
TEST_F(TrainerTest, InitFromAnOfficialCheckpointTakesTheConfigsArchitecture) {
  const TrainConfig c = test::tiny_train_config(shards_);
  const std::string first = test::train_tmp("init_official_first"),
                    second = test::train_tmp("init_official_second");
  {
    Trainer t(c, {first});
    StopAt stop(2);
    t.run(stop);
  }
  // Its weights under the official names, with no metadata: a third-party export.
  const auto trained = weights(first + "/model.safetensors");
  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, t] : trained)
    entries.push_back({name, DType::F32, t.sizes().vec(), t.data_ptr(), t.nbytes()});
  const std::string official = first + "/official.safetensors";
  write_safetensors(official, entries);
  EXPECT_THROW(load_model(official), CheckpointError); // no architecture to infer

  TrainOptions init{second};
  init.init = official;
  {
    Trainer t(c, init);
    StopAt stop(0);
    t.run(stop);
  }
  const auto started = weights(second + "/model.safetensors");
  for (const auto& [name, w] : trained)
    EXPECT_TRUE(torch::equal(w, started.at(name))) << name;
}

TEST_F(TrainerTest, HeldOutReconstructionNeedsHeldOutPictures) {
  TrainConfig c = test::tiny_train_config(shards_);
  c.recon_eval_every = 2;
  try {
    Trainer t(c, {test::train_tmp("heldout_missing")});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("recon_eval_every"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("data.val_path"), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace mae
