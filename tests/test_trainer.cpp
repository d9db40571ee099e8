// The trainer and its torch pieces: optimiser, data loader, augmentation,
// probes, checkpoints, resume, non-finite losses and the GUI session.
#include "test_util.h"
#include "train_test_util.h"

#include "mae/adamw.h"
#include "mae/augment.h"
#include "mae/checkpoint.h"
#include "mae/data_loader.h"
#include "mae/errors.h"
#include "mae/fashion_mnist.h"
#include "mae/knn_probe.h"
#include "mae/linear_probe.h"
#include "mae/metrics_log.h"
#include "mae/safetensors.h"
#include "mae/train_state.h"
#include "mae/trainer.h"
#include "mae/training_session.h"

#ifdef MAE_WITH_OPENCV
#include "mae/image_folder.h"
#include "mae/image_io.h"
#endif

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

namespace fs = std::filesystem;

namespace mae {
namespace {

// Stops the run before step `at`.
struct StopAt : TrainObserver {
  int64_t at;
  explicit StopAt(int64_t s) : at(s) {}
  bool before_step(Trainer& t) override { return t.step() < at; }
};

struct Quiet : TrainObserver {};

std::map<std::string, torch::Tensor> weights(const std::string& model_path) {
  std::map<std::string, torch::Tensor> out;
  LoadedModel loaded = load_model(model_path);
  for (const auto& [n, t] : model_state_dict(loaded.model))
    out[n] = t;
  return out;
}

class TrainerTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    // One thread: spinning OpenMP teams slow to a crawl on a busy 2-core machine.
    torch::set_num_threads(1);
    // Per process: ctest runs the tests of this suite in parallel processes.
    shards_ = test::train_tmp("trainer_shards_" + std::to_string(::getpid()));
    test::write_synthetic_shards(shards_, 64, 1, /*labelled=*/true);
  }
  static void TearDownTestSuite() { fs::remove_all(shards_); }
  static std::string shards_;
};
std::string TrainerTest::shards_;

TEST(WeightDecayGroups, MatricesDecayBiasesAndNormsDoNotFixedPositionsAreOut) {
  MaskedAutoencoderViT model(test::tiny_model());
  const ParamGroups g = weight_decay_groups(*model);
  const auto has = [](const NamedTensors& v, const std::string& name) {
    for (const auto& [n, t] : v)
      if (n == name)
        return true;
    return false;
  };
  for (const char* n :
       {"patch_embed.proj.weight", "blocks.0.attn.qkv.weight", "blocks.0.mlp.fc2.weight",
        "decoder_embed.weight", "decoder_pred.weight", "cls_token", "mask_token"})
    EXPECT_TRUE(has(g.decay, n)) << n;
  for (const char* n :
       {"patch_embed.proj.bias", "blocks.0.attn.qkv.bias", "blocks.0.norm1.weight",
        "blocks.0.norm1.bias", "norm.weight", "decoder_norm.bias", "decoder_pred.bias"})
    EXPECT_TRUE(has(g.no_decay, n)) << n;
  for (const char* n : {"pos_embed", "decoder_pos_embed"}) {
    EXPECT_FALSE(has(g.decay, n)) << n;
    EXPECT_FALSE(has(g.no_decay, n)) << n;
  }
  EXPECT_EQ(g.decay.size() + g.no_decay.size() + 2, model->named_parameters().size());
}

TEST(AdamW, MatchesTorchOptimAdamW) {
  torch::manual_seed(0);
  auto w1 = torch::randn({4, 3}, torch::requires_grad()),
       b1 = torch::randn({3}, torch::requires_grad());
  auto w2 = w1.detach().clone().requires_grad_(), b2 = b1.detach().clone().requires_grad_();
  ParamGroups groups;
  groups.decay = {{"w", w1}};
  groups.no_decay = {{"b", b1}};
  AdamW ours(groups, {0.05});
  std::vector<torch::optim::OptimizerParamGroup> pg;
  pg.emplace_back(std::vector<torch::Tensor>{w2},
                  std::make_unique<torch::optim::AdamWOptions>(
                      torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).weight_decay(0.05)));
  pg.emplace_back(std::vector<torch::Tensor>{b2},
                  std::make_unique<torch::optim::AdamWOptions>(
                      torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).weight_decay(0.0)));
  torch::optim::AdamW theirs(std::move(pg));
  for (int step = 0; step < 5; ++step) {
    const auto x = torch::randn({2, 4});
    ours.zero_grad();
    theirs.zero_grad();
    (x.mm(w1) + b1).pow(2).sum().backward();
    (x.mm(w2) + b2).pow(2).sum().backward();
    ours.step(1e-2);
    theirs.step();
  }
  EXPECT_LT(test::max_abs_diff(w1, w2), 1e-6);
  EXPECT_LT(test::max_abs_diff(b1, b2), 1e-6);
}

TEST(ClipGradNorm, ScalesToTheMaximum) {
  auto p = torch::zeros({2}, torch::requires_grad());
  (p * torch::tensor({3.0f, 4.0f})).sum().backward(); // grad (3, 4), norm 5
  ParamGroups g;
  g.decay = {{"p", p}};
  clip_grad_norm(g, 1.0);
  EXPECT_NEAR(p.grad().norm().item<double>(), 1.0, 1e-5);
}

TEST_F(TrainerTest, LoaderIsDeterministicAcrossWorkerCounts) {
  const ShardDataset data(shards_);
  TrainConfig c = test::tiny_train_config(shards_);
  c.num_workers = 0;
  TrainLoader serial(data, c, 8, 4, false, 0);
  c.num_workers = 3;
  TrainLoader parallel(data, c, 8, 4, false, 0);
  std::set<size_t> epoch0;
  for (int k = 0; k < 10; ++k) {
    const HostBatch a = serial.next(), b = parallel.next();
    ASSERT_TRUE(torch::equal(a.pixels, b.pixels)) << "micro-batch " << k;
    ASSERT_TRUE(torch::equal(a.mask_scores, b.mask_scores));
    ASSERT_TRUE(torch::equal(a.labels, b.labels));
    for (size_t j = 0; j < a.slots.size(); ++j)
      ASSERT_TRUE(a.slots[j].box == b.slots[j].box);
    if (k < 8)
      for (size_t i : serial.batch_indices(k))
        epoch0.insert(i);
  }
  EXPECT_EQ(epoch0.size(), 64u);                               // an epoch visits every image once
  EXPECT_NE(serial.batch_indices(0), serial.batch_indices(8)); // and the next is reshuffled
}

TEST(Augment, IdentityCropFlipAndChannels) {
  Image img(4, 4, 1);
  for (size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<uint8_t>(i * 10);
  const auto cpu = torch::Device(torch::kCPU);
  const auto plain =
      crop_resize(pack_images({img}, {CropBox{0, 0, 4, 4, false}}, false), 4, 1, cpu);
  const auto expect = torch::arange(16, torch::kFloat32).view({1, 1, 4, 4}) * 10 / 255;
  EXPECT_LT(test::max_abs_diff(plain, expect), 1e-6);
  const auto flipped =
      crop_resize(pack_images({img}, {CropBox{0, 0, 4, 4, true}}, false), 4, 3, cpu);
  EXPECT_EQ(flipped.sizes(), (std::vector<int64_t>{1, 3, 4, 4}));
  EXPECT_LT(test::max_abs_diff(flipped[0][2], expect[0][0].flip({1})), 1e-6);
  const auto crop = crop_resize(pack_images({img}, {CropBox{1, 2, 2, 2, false}}, false), 8, 1, cpu);
  EXPECT_EQ(crop.sizes(), (std::vector<int64_t>{1, 1, 8, 8}));
  EXPECT_GE(crop.min().item<float>(), 0.0f);
  EXPECT_LE(crop.max().item<float>(), 1.0f);
}

TEST(KnnProbe, SeparatesClusters) {
  torch::manual_seed(0);
  const auto centres = torch::randn({3, 8}) * 5;
  const auto bank_labels = torch::arange(60, torch::kInt64) % 3;
  const auto query_labels = torch::arange(30, torch::kInt64) % 3;
  const auto bank = centres.index_select(0, bank_labels) + torch::randn({60, 8}) * 0.3;
  const auto queries = centres.index_select(0, query_labels) + torch::randn({30, 8}) * 0.3;
  EXPECT_DOUBLE_EQ(knn_accuracy(bank, bank_labels, queries, query_labels, 3, 20, 0.07), 1.0);
  EXPECT_LT(knn_accuracy(bank, bank_labels, queries, (query_labels + 1) % 3, 3, 20, 0.07), 0.1);
}

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
    o.resume = split;
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
  o.resume = dir;
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
    o.train.resume = first;
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

#ifdef MAE_WITH_OPENCV
TEST(CorruptImages, AreSkippedAndCounted) {
  const std::string root = test::train_tmp("corrupt_folder");
  for (int i = 0; i < 15; ++i)
    write_png(root + "/img" + std::to_string(i) + ".png", test::synthetic_image(i, 3));
  std::ofstream(root + "/img7x.png") << "garbage, not an image";
  const ImageFolderDataset data(root);
  ASSERT_EQ(data.size(), 16u);
  TrainConfig c = test::tiny_train_config(root, 3);
  c.data.type = "folder";
  TrainLoader loader(data, c, 2, 4, false, 0);
  for (int k = 0; k < 4; ++k)
    EXPECT_EQ(loader.next().slots.size(), 8u); // two epochs: every image seen
  EXPECT_EQ(loader.skipped_images(), 1u);
}
#endif

TEST(LinearProbe, LearnsFashionMnistFromFrozenFeatures) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  ModelConfig m = test::tiny_model(1);
  m.img_size = 28;
  torch::manual_seed(0);
  MaskedAutoencoderViT model(m);
  const std::string path = test::train_tmp("linprobe") + "/model.safetensors";
  save_model(path, model);
  LinearProbeOptions o;
  o.max_train = 2000;
  o.max_test = 500;
  o.epochs = 20;
  o.batch_size = 250;
  o.device = "cpu";
  const LinearProbeResult r = run_linear_probe(path, {}, o);
  EXPECT_EQ(r.train_count, 2000);
  EXPECT_EQ(r.test_count, 500);
  EXPECT_EQ(r.num_classes, 10);
  EXPECT_GT(r.test_top1, 0.2); // well above chance (10%), even from random features
}

} // namespace
} // namespace mae
