// Fine-tuning: layer-wise lr decay, partial fine-tuning, drop path, and a
// short run on Fashion-MNIST.
#include "cli_runner.h"
#include "error_of.h"
#include "train_test_util.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/folder_lock.h"
#include "checkpoint/checkpoint.h"
#include "data/fashion_mnist.h"
#include "formats/safetensors.h"
#include "model/mae_model.h"
#include "model/vit_classifier.h"
#include "train/finetune.h"
#include "train/layer_decay.h"
#include "train/tensorboard_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <unistd.h>

namespace fs = std::filesystem;

namespace mae {
namespace {

ModelConfig fmnist_model(int depth) {
  ModelConfig m = test::tiny_model(1);
  m.img_size = 28;
  m.depth = depth;
  return m;
}

const LayerGroup* group_of(const std::vector<LayerGroup>& groups, const std::string& name) {
  for (const LayerGroup& g : groups)
    for (const auto& n : g.names)
      if (n == name)
        return &g;
  return nullptr;
}

TEST(LayerDecay, EachLayerDownTrainsAtDecayTimesTheOneAbove) {
  torch::manual_seed(0);
  MaskedAutoencoderViT mae(fmnist_model(3));
  ViTClassifier model(mae, 10, 0.0);
  const auto groups = layer_decay_groups(*model, 3, 0.5, 0.05);
  const auto scale = [&](const std::string& name) {
    const LayerGroup* g = group_of(groups, name);
    EXPECT_NE(g, nullptr) << name;
    return g ? g->lr_scale : -1.0;
  };
  // depth 3: head and norms are layer 4 (rate 1), block i is layer i + 1, the embedding layer 0.
  EXPECT_DOUBLE_EQ(scale("head.weight"), 1.0);
  EXPECT_DOUBLE_EQ(scale("fc_norm.weight"), 1.0);
  EXPECT_DOUBLE_EQ(scale("encoder.norm.bias"), 1.0);
  EXPECT_DOUBLE_EQ(scale("encoder.blocks.2.mlp.fc1.weight"), 0.5);
  EXPECT_DOUBLE_EQ(scale("encoder.blocks.1.attn.qkv.weight"), 0.25);
  EXPECT_DOUBLE_EQ(scale("encoder.blocks.0.norm1.weight"), 0.125);
  EXPECT_DOUBLE_EQ(scale("encoder.patch_embed.proj.weight"), 0.0625);
  EXPECT_DOUBLE_EQ(scale("encoder.cls_token"), 0.0625);
  // Weight decay on matrices only: not biases, norms or the cls token.
  EXPECT_DOUBLE_EQ(group_of(groups, "head.weight")->weight_decay, 0.05);
  EXPECT_DOUBLE_EQ(group_of(groups, "head.bias")->weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(group_of(groups, "encoder.blocks.0.norm1.weight")->weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(group_of(groups, "encoder.cls_token")->weight_decay, 0.0);
  // The position embedding, fixed in pre-training, trains here as in the
  // official fine-tuning (timm's ViT): layer 0, no decay. The decoder does not.
  ASSERT_NE(group_of(groups, "encoder.pos_embed"), nullptr);
  EXPECT_DOUBLE_EQ(scale("encoder.pos_embed"), 0.0625);
  EXPECT_DOUBLE_EQ(group_of(groups, "encoder.pos_embed")->weight_decay, 0.0);
  for (const LayerGroup& g : groups)
    for (const auto& n : g.names)
      EXPECT_EQ(n.find("decoder"), std::string::npos) << n;
}

TEST(ViTClassifier, CopiesTheEncoderAndDropsPathsOnlyInTraining) {
  torch::manual_seed(0);
  MaskedAutoencoderViT mae(fmnist_model(2));
  ViTClassifier model(mae, 10, 0.5);
  EXPECT_TRUE(torch::equal(model->encoder->blocks[1]->as<Block>()->attn->qkv->weight,
                           mae->blocks[1]->as<Block>()->attn->qkv->weight));
  const auto x = torch::randn({8, 1, 28, 28});
  torch::NoGradGuard no_grad;
  model->eval();
  EXPECT_TRUE(torch::equal(model->forward(x), model->forward(x)));
  // Drop path 0.5 on the last block: two training passes differ.
  model->train();
  EXPECT_FALSE(torch::allclose(model->forward(x), model->forward(x)));
  ViTClassifier plain(mae, 10, 0.0);
  plain->train();
  EXPECT_TRUE(torch::equal(plain->forward(x), plain->forward(x)));
  // The draws come from the classifier's own generator: the same seed, the
  // same paths dropped, whatever the default generator did in between.
  model->seed_drop_path(7);
  const auto first = model->forward(x);
  torch::rand({100});
  model->seed_drop_path(7);
  EXPECT_TRUE(torch::equal(first, model->forward(x)));
  model->seed_drop_path(8);
  EXPECT_FALSE(torch::allclose(first, model->forward(x)));
}

// The event file holds main_finetune.py's perf/test_acc1 (percent) once an
// epoch, read back by the independent reader.
void expect_tensorboard_accuracies(const std::string& dir, const std::vector<double>& top1) {
  if (!TensorBoardLog::available() ||
      std::system("/usr/bin/python3 -c 'import google.protobuf, crc32c' 2>/dev/null") != 0)
    return;
  std::string events;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
      events = e.path().string();
  ASSERT_FALSE(events.empty()) << "no event file in " << dir;
  const test::RunResult r = test::run_binary(
      "/usr/bin/python3",
      std::string(MAE_SOURCE_DIR) + "/tests/tools/read_tfevents.py '" + events + "'", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<double> acc;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("tag", "") == "perf/test_acc1")
      acc.push_back(j.at("value").get<double>());
  }
  ASSERT_EQ(acc.size(), top1.size());
  for (size_t i = 0; i < acc.size(); ++i)
    EXPECT_NEAR(acc[i], 100.0 * top1[i], 1e-3) << "epoch " << i + 1;
}

// A pre-training run's folder given as --out: its metrics.jsonl would have
// been replaced by the fine-tune's. A home folder: the fine-tune's files mixed
// among the user's. Both refused, naming what is there, unless forced; a
// stopped fine-tune's leftovers are its own.
TEST(FinetuneFolder, AFolderOfOtherFilesIsRefusedUnlessForced) {
  FinetuneOptions o;
  o.out_dir = test::train_tmp("finetune_others_folder");
  for (const char* name : {"train_state.safetensors", "model.safetensors", "metrics.jsonl"})
    std::ofstream(o.out_dir + "/" + name) << "a pre-training run's";
  // (a metrics.jsonl alone could be anyone's: only --resume or --force go on from it)
  const std::string why = test::error_of([&] { refuse_replacing_finetune(o); });
  EXPECT_NE(why.find("holds no fine-tune (metrics.jsonl, model.safetensors, "
                     "train_state.safetensors)"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("--force"), std::string::npos) << why;
  // Resuming a pre-training run's folder names no fine-tune's leftovers.
  const std::string resume_why = test::error_of([&] { finetune_resume_info(o.out_dir); });
  EXPECT_NE(resume_why.find("no fine-tune to resume"), std::string::npos) << resume_why;
  EXPECT_EQ(resume_why.find("holds only"), std::string::npos) << resume_why;
  o.force = true;
  EXPECT_NO_THROW(refuse_replacing_finetune(o));
  o.force = false;
  // What a fine-tune killed before its first save leaves: its log alone.
  o.out_dir = test::train_tmp("finetune_killed_folder");
  std::ofstream(o.out_dir + "/metrics.jsonl") << "{\"step\": 20, \"loss\": 2.1}\n";
  for (const std::string& e : {test::error_of([&] { refuse_replacing_finetune(o); }),
                               test::error_of([&] { finetune_resume_info(o.out_dir); })})
    EXPECT_NE(e.find("holds only a metrics.jsonl: a fine-tune killed before its first save"),
              std::string::npos)
        << e;
  o.out_dir = test::train_tmp("finetune_stopped_folder");
  for (const char* name : {".mae-lock", "events.out.tfevents.1.host", "curves.png",
                           "finetune_state.safetensors.tmp-12"})
    std::ofstream(o.out_dir + "/" + name) << "a stopped fine-tune's";
  EXPECT_NO_THROW(refuse_replacing_finetune(o));
  o.out_dir += "/not-yet";
  EXPECT_NO_THROW(refuse_replacing_finetune(o));
}

class Finetune : public ::testing::Test {
protected:
  void SetUp() override {
    if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
      GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    torch::manual_seed(0);
    MaskedAutoencoderViT model(fmnist_model(2));
    // One folder a process: CTest runs these tests side by side.
    model_path =
        test::train_tmp("finetune_model_" + std::to_string(::getpid())) + "/model.safetensors";
    save_model(model_path, model);
    o.config.max_train = 2000;
    o.config.max_test = 500;
    o.config.batch_size = 64;
    o.config.epochs = 6; // 31 steps an epoch: 186 steps
    o.config.warmup_epochs = 0.5;
    // A randomly initialised encoder: nothing pre-trained to protect, a higher rate.
    o.config.blr = 1e-2;
    o.config.layer_decay = 1;
    o.device = "cpu";
  }
  std::string model_path;
  FinetuneOptions o;
};

TEST_F(Finetune, BeatsChanceByAClearMarginInAFewHundredSteps) {
  o.out_dir = test::train_tmp("finetune_run");
  const FinetuneResult r = run_finetune(model_path, {}, o);
  EXPECT_EQ(r.train_count, 2000);
  EXPECT_EQ(r.test_count, 500);
  EXPECT_EQ(r.steps, 186);
  EXPECT_EQ(r.epoch_top1.size(), 6u);
  EXPECT_GT(r.test_top1, 0.45) << "chance is 0.1";
  // The run's files: metrics with the per-epoch accuracy, the weights, the result.
  const auto result = nlohmann::json::parse(std::ifstream(o.out_dir + "/finetune.json"));
  EXPECT_DOUBLE_EQ(result.at("result").at("test_top1").get<double>(), r.test_top1);
  EXPECT_TRUE(fs::exists(o.out_dir + "/classifier.safetensors"));
  std::ifstream metrics(o.out_dir + "/metrics.jsonl");
  int epochs_logged = 0;
  for (std::string line; std::getline(metrics, line);)
    epochs_logged += nlohmann::json::parse(line).contains("test_top1");
  EXPECT_EQ(epochs_logged, 6);
  expect_tensorboard_accuracies(o.out_dir, r.epoch_top1);
  // Run again into the same folder: refused unless forced.
  try {
    run_finetune(model_path, {}, o);
    ADD_FAILURE() << "a finished fine-tune was replaced";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
}

TEST_F(Finetune, PartialFineTuningTrainsOnlyTheLastBlocks) {
  o.config.last_blocks = 1;
  o.config.epochs = 0.1;
  int calls = 0;
  o.keep_going = [&] { return ++calls < 2; }; // Ctrl-C after the second step
  const FinetuneResult r = run_finetune(model_path, {}, o);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(r.steps, 2);
  // Trained: block 1, the encoder's norm, fc_norm and the head.
  torch::manual_seed(0);
  MaskedAutoencoderViT mae(fmnist_model(2));
  ViTClassifier reference(mae, 10, 0.0);
  int64_t expected = 0;
  for (const auto& p : reference->named_parameters())
    if (p.key().rfind("encoder.blocks.1.", 0) == 0 || p.key().rfind("encoder.norm.", 0) == 0 ||
        p.key().rfind("fc_norm.", 0) == 0 || p.key().rfind("head.", 0) == 0)
      expected += p.value().numel();
  EXPECT_EQ(r.trainable_params, expected);
  EXPECT_LT(r.trainable_params, r.total_params / 2);
}

torch::Tensor classifier_weights(const std::string& dir) {
  std::vector<torch::Tensor> flat;
  for (const auto& [name, t] : read_safetensors(dir + "/classifier.safetensors").tensors)
    flat.push_back(torch::from_blob(const_cast<uint8_t*>(t.data), t.shape, torch::kFloat32)
                       .reshape({-1})
                       .clone());
  return torch::cat(flat);
}

// Fewer training images than batch_size make one smaller batch: the rate is
// the rule's for that batch (1e-2 x 100 / 256), not for the 128 asked for.
TEST_F(Finetune, TheRateFollowsTheBatchTrainedOn) {
  o.config.max_train = 100;
  o.config.batch_size = 128;
  o.config.epochs = 1;
  o.out_dir = test::train_tmp("finetune_small_batch");
  std::string lines;
  o.log = [&](const std::string& line) { lines += line + "\n"; };
  const FinetuneResult r = run_finetune(model_path, {}, o);
  EXPECT_EQ(r.steps, 1);
  EXPECT_TRUE(test::contains(lines, "1 step of 100 images, lr 3.91e-03")) << lines;
}

// The head alone (the paper's Fig. 9 at 0 blocks) learns from the features
// the frozen encoder was pre-trained to give: drop path, which cut its
// blocks at random, is off there, so its rate changes nothing.
TEST_F(Finetune, FrozenBlocksDropNoPaths) {
  o.config.last_blocks = 0;
  o.config.epochs = 0.1;
  o.config.drop_path = 0.5;
  const std::string with_drop = test::train_tmp("finetune_frozen_drop");
  o.out_dir = with_drop;
  const FinetuneResult dropping = run_finetune(model_path, {}, o);
  o.config.drop_path = 0;
  o.out_dir = test::train_tmp("finetune_frozen_plain");
  const FinetuneResult plain = run_finetune(model_path, {}, o);
  ASSERT_EQ(dropping.steps, plain.steps);
  EXPECT_EQ(dropping.test_top1, plain.test_top1);
  EXPECT_TRUE(torch::equal(classifier_weights(with_drop), classifier_weights(o.out_dir)));
}

// One field of every line of a run's metrics.jsonl.
template <typename T> std::vector<T> logged(const std::string& dir, const char* key) {
  std::vector<T> values;
  std::ifstream metrics(dir + "/metrics.jsonl");
  for (std::string line; std::getline(metrics, line);)
    values.push_back(nlohmann::json::parse(line).at(key).get<T>());
  return values;
}

std::vector<int64_t> logged_steps(const std::string& dir) {
  return logged<int64_t>(dir, "step");
}

TEST_F(Finetune, StoppedAndResumedEndsWhereOneStraightRunEnds) {
  o.config.epochs = 1.5; // 47 steps: the stop falls mid-way through the second epoch
  const std::string straight_dir = test::train_tmp("finetune_straight");
  o.out_dir = straight_dir;
  const FinetuneResult straight = run_finetune(model_path, {}, o);
  ASSERT_EQ(straight.steps, 47);

  o.out_dir = test::train_tmp("finetune_split");
  int calls = 0;
  o.keep_going = [&] { return ++calls < 37; }; // between two metrics lines (20, 40)
  const FinetuneResult first = run_finetune(model_path, {}, o);
  ASSERT_TRUE(first.stopped_early);
  ASSERT_EQ(first.steps, 37);
  EXPECT_TRUE(fs::exists(o.out_dir + "/finetune_state.safetensors"));
  // A new fine-tune there is refused, and the refusal says how to go on.
  try {
    run_finetune(model_path, {}, o);
    ADD_FAILURE() << "a stopped fine-tune was replaced";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
  const FinetuneResume info = finetune_resume_info(o.out_dir);
  EXPECT_EQ(info.step, 37);
  EXPECT_EQ(info.total_steps, 47);
  EXPECT_EQ(info.model_path, fs::absolute(model_path).string());
  EXPECT_DOUBLE_EQ(info.config.epochs, 1.5);

  o.keep_going = nullptr;
  o.resume = true;
  { // not while another process writes there
    const FolderLock other_process(o.out_dir);
    const std::string why = test::error_of([&] { run_finetune(model_path, {}, o); });
    EXPECT_TRUE(test::contains(why, "is in use")) << why;
  }
  const FinetuneResult resumed = run_finetune(model_path, {}, o);
  EXPECT_FALSE(resumed.stopped_early);
  EXPECT_EQ(resumed.steps, 47);
  // Weights, optimizer moments, data order, augmentation and drop path all
  // continue exactly: the same weights and accuracies as the straight run.
  EXPECT_TRUE(torch::equal(classifier_weights(o.out_dir), classifier_weights(straight_dir)));
  EXPECT_EQ(resumed.epoch_top1, straight.epoch_top1);
  EXPECT_DOUBLE_EQ(resumed.test_top1, straight.test_top1);
  // metrics.jsonl has the straight run's lines: no extra one at the stop,
  // and step 40's loss the mean of all 20 steps, across the stop.
  const auto steps = logged_steps(o.out_dir);
  EXPECT_EQ(steps, logged_steps(straight_dir));
  const auto losses = logged<double>(o.out_dir, "loss"),
             straight_losses = logged<double>(straight_dir, "loss");
  ASSERT_EQ(losses.size(), straight_losses.size());
  for (size_t i = 0; i < losses.size(); ++i)
    EXPECT_DOUBLE_EQ(losses[i], straight_losses[i]) << "line " << i;
  // Resuming a finished fine-tune gives its result and trains nothing.
  const FinetuneResult again = run_finetune(model_path, {}, o);
  EXPECT_EQ(again.steps, 47);
  EXPECT_DOUBLE_EQ(again.test_top1, straight.test_top1);
  EXPECT_EQ(logged_steps(o.out_dir), steps);
  // Another recipe does not resume this state.
  o.config.blr *= 2;
  EXPECT_THROW(run_finetune(model_path, {}, o), UsageError);
  o.config.blr /= 2;

  // Killed at the first epoch's end (step 31), before its save, with a save
  // at each metrics line (the default is every 5 minutes): the state of step
  // 20 is there, and resumed from it the run still ends as the straight one.
  o.out_dir = test::train_tmp("finetune_killed");
  o.resume = false;
  o.save_every_s = 0;
  int64_t saved_before_kill = -1;
  o.progress = [&](const TrainProgress& p) {
    if (p.step != 31)
      return;
    saved_before_kill = finetune_resume_info(o.out_dir).step;
    throw std::runtime_error("killed");
  };
  EXPECT_THROW(run_finetune(model_path, {}, o), std::runtime_error);
  EXPECT_EQ(saved_before_kill, 20);
  o.progress = nullptr;
  o.resume = true;
  const FinetuneResult after_kill = run_finetune(model_path, {}, o);
  EXPECT_EQ(after_kill.steps, 47);
  EXPECT_TRUE(torch::equal(classifier_weights(o.out_dir), classifier_weights(straight_dir)));
  EXPECT_DOUBLE_EQ(after_kill.test_top1, straight.test_top1);
  EXPECT_EQ(logged_steps(o.out_dir), steps);
}

TEST_F(Finetune, ResumeFromTheCommandLine) {
  const std::string dir = test::train_tmp("finetune_cli");
  const std::string run = std::string(MAE_CLI) + " finetune --model '" + model_path + "' --out '" +
                          dir + "' --epochs 0.2 --max-train 1000 --max-test 200 " +
                          "--batch-size 64 --threads 1 --quiet";
  ASSERT_EQ(std::system((run + " >/dev/null 2>&1").c_str()), 0);
  // A bare --resume on the finished run: its result, no training, no error.
  test::RunResult r = test::run_binary(MAE_CLI, "finetune --resume '" + dir + "'", dir);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(test::contains(r.err + r.out, "already finished")) << r.err << r.out;
  EXPECT_TRUE(test::contains(r.out, "fine-tuned top-1")) << r.out;
  // Flags that would change the saved recipe are refused, by name.
  r = test::run_binary(MAE_CLI, "finetune --resume '" + dir + "' --epochs 3", dir);
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(test::contains(r.err, "drop --epochs")) << r.err;
  // Another model while the one it started from is still there: refused, not
  // taken silently (--model is for a model that has moved).
  fs::copy_file(model_path, dir + "/other.safetensors", fs::copy_options::overwrite_existing);
  r = test::run_binary(
      MAE_CLI, "finetune --resume '" + dir + "' --model '" + dir + "/other.safetensors'", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(test::contains(r.err, "drop --model")) << r.err;
  // A folder with no fine-tune in it, and a model file given as the state.
  const std::string empty = test::train_tmp("finetune_cli_empty");
  r = test::run_binary(MAE_CLI, "finetune --resume '" + empty + "'", empty);
  EXPECT_EQ(r.code, 1); // a missing input
  EXPECT_TRUE(test::contains(r.err, "no fine-tune to resume")) << r.err;
  r = test::run_binary(MAE_CLI, "finetune --resume '" + empty + "/gone'", empty);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(test::contains(r.err, "gone: it does not exist")) << r.err;
  r = test::run_binary(MAE_CLI, "finetune --resume '" + model_path + "'", empty);
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(test::contains(r.err, "not a fine-tune state")) << r.err;
  EXPECT_FALSE(test::contains(r.err, "internal error")) << r.err;

  // A tampered state is refused by name, not fine-tuned into NaN (it printed
  // "loss -nan" and saved NaN weights with exit 0) or past a step cast.
  const auto refused = [&](const std::string& name, const std::string& phrase,
                           const std::function<void(const std::string&, std::vector<float>&,
                                                    std::map<std::string, std::string>&)>& edit) {
    const std::string copy = test::train_tmp("finetune_tampered_" + name);
    fs::copy(dir, copy, fs::copy_options::recursive);
    const std::string file = copy + "/finetune_state.safetensors";
    const SafetensorsFile f = read_safetensors(file);
    std::map<std::string, std::string> meta = f.metadata;
    std::vector<std::vector<float>> values;
    std::vector<SafetensorsEntry> entries;
    for (const auto& [n, t] : f.tensors) {
      const std::vector<uint8_t> bytes = t.contiguous_bytes();
      values.emplace_back(bytes.size() / 4);
      std::memcpy(values.back().data(), bytes.data(), bytes.size());
      edit(n, values.back(), meta);
      entries.push_back({n, t.dtype, t.shape, values.back().data(), bytes.size()});
    }
    write_safetensors(file, entries, meta);
    const test::RunResult t = test::run_binary(MAE_CLI, "finetune --resume '" + copy + "'", copy);
    EXPECT_EQ(t.code, 1) << name << "\n" << t.err;
    EXPECT_TRUE(test::contains(t.err, phrase)) << name << ": " << t.err;
  };
  const float nan = std::nanf("");
  refused("nan_weights", "holds NaN or infinite values", [&](const auto& n, auto& v, auto&) {
    if (n.rfind("model/", 0) == 0)
      std::fill(v.begin(), v.end(), nan);
  });
  refused("negative_moments", "holds negative values", [](const auto& n, auto& v, auto&) {
    if (n.rfind("exp_avg_sq/", 0) == 0)
      std::fill(v.begin(), v.end(), -1.0f);
  });
  refused("nan_step", "is not a whole number in [0,", [&](const auto& n, auto& v, auto&) {
    if (n.rfind("step/", 0) == 0)
      std::fill(v.begin(), v.end(), nan);
  });
  refused("huge_step", "is not a whole number in [0,", [](const auto& n, auto& v, auto&) {
    if (n.rfind("step/", 0) == 0)
      std::fill(v.begin(), v.end(), 1e30f);
  });
  refused("elapsed", "'elapsed_s'",
          [](const auto&, auto&, auto& meta) { meta["elapsed_s"] = "-1e300"; });
  refused("accuracies", "'epoch_top1'",
          [](const auto&, auto&, auto& meta) { meta["epoch_top1"] = "[-3, 1e300]"; });
  refused("window_steps", "'window_steps'",
          [](const auto&, auto&, auto& meta) { meta["window_steps"] = "25"; });
  refused("window_loss", "'window_loss_sum'", [](const auto&, auto&, auto& meta) {
    meta["window_steps"] = "3";
    meta["window_loss_sum"] = "nan";
  });
}

// The recipe behind docs/ablations.md's fine-tuning numbers loads and is the
// official one at this scale (10 epochs, layer decay 0.75).
TEST(FinetuneConfig, TheShippedRecipeLoads) {
  const std::string path = std::string(MAE_SOURCE_DIR) + "/configs/finetune/fmnist.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto c = parse_config_json<FinetuneConfig>(text, path);
  EXPECT_NO_THROW(c.validate());
  EXPECT_DOUBLE_EQ(c.epochs, 16);
  EXPECT_EQ(c.batch_size, 64); // a process: 128 a step on the two of --nproc 2
  EXPECT_DOUBLE_EQ(c.layer_decay, 0.9);
  EXPECT_EQ(c.max_train, 0); // every training image
}

TEST(FinetuneConfig, ErrorsNameTheField) {
  const auto error = [](const std::string& text) {
    try {
      parse_config_json<FinetuneConfig>(text, "recipe.json");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error(R"({"layer_decay": 0})").find("'layer_decay'"), std::string::npos);
  EXPECT_NE(error(R"({"augment": "mixup"})").find("'augment'"), std::string::npos);
  EXPECT_NE(error(R"({"epochs": "ten"})").find("'epochs'"), std::string::npos);
  EXPECT_NE(error(R"({"epoch": 3})").find("unknown config field 'epoch'"), std::string::npos);
  EXPECT_EQ(error(R"({"epochs": 3, "last_blocks": 2})"), "");
}

} // namespace
} // namespace mae
