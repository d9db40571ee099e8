// Data-parallel training on c10d with Gloo over localhost: the launch
// variables, the sampler's shards, DDP's arithmetic (2 ranks = 1 rank on the
// whole batch), `mae train --nproc`, and what a missing or dead rank does.
#include "../cli_runner.h"
#include "../test_util.h"
#include "../train_test_util.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "data/data_loader.h"
#include "data/dataset.h"
#include "data/fashion_mnist.h"
#include "dist/dist_group.h"
#include "dist/gradient_reducer.h"
#include "dist/local_launch.h"
#include "dist/rank_heartbeat.h"
#include "formats/safetensors.h"
#include "model/mae_model.h"
#include "train/adamw.h"
#include "train/train_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mae {
namespace {

std::optional<DistEnv> env_of(const std::map<std::string, std::string>& vars) {
  return dist_env_from([&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string usage_error(const std::map<std::string, std::string>& vars) {
  try {
    env_of(vars);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(DistEnv, ReadsTorchrunsVariables) {
  EXPECT_FALSE(env_of({}).has_value()); // no WORLD_SIZE: one process, as before
  const auto e = env_of({{"WORLD_SIZE", "4"},
                         {"RANK", "3"},
                         {"LOCAL_RANK", "1"},
                         {"LOCAL_WORLD_SIZE", "2"},
                         {"MASTER_ADDR", "node0"},
                         {"MASTER_PORT", "29501"},
                         {"TORCHELASTIC_USE_AGENT_STORE", "True"}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->rank, 3);
  EXPECT_EQ(e->world_size, 4);
  EXPECT_EQ(e->local_rank, 1);
  EXPECT_EQ(e->local_world_size, 2);
  EXPECT_EQ(e->master_addr, "node0");
  EXPECT_EQ(e->master_port, 29501);
  EXPECT_TRUE(e->agent_store);
  EXPECT_NE(usage_error({{"WORLD_SIZE", "2"}, {"MASTER_ADDR", "x"}}).find("RANK is not set"),
            std::string::npos);
  EXPECT_NE(usage_error({{"WORLD_SIZE", "2"}, {"RANK", "2"}, {"MASTER_ADDR", "x"}}).find("RANK=2"),
            std::string::npos);
  EXPECT_NE(usage_error({{"WORLD_SIZE", "two"}}).find("WORLD_SIZE=two"), std::string::npos);
  EXPECT_NE(usage_error({{"WORLD_SIZE", "2"}, {"RANK", "0"}}).find("MASTER_ADDR"),
            std::string::npos);
  EXPECT_NE(
      usage_error(
          {{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_ADDR", "x"}, {"MASTER_PORT", "70000"}})
          .find("MASTER_PORT=70000"),
      std::string::npos);
  // atoi would read these as 0 and 29: each is named instead.
  EXPECT_NE(usage_error({{"WORLD_SIZE", "1"}, {"RANK", "0"}, {"MASTER_PORT", "abc"}})
                .find("MASTER_PORT=abc"),
            std::string::npos);
  EXPECT_NE(usage_error({{"WORLD_SIZE", "1"}, {"RANK", "0"}, {"MASTER_PORT", "29x"}})
                .find("MASTER_PORT=29x"),
            std::string::npos);
}

// Every batch of a 2-rank run is the 1-rank run's batch at twice the size,
// split in two: the same images, crops and mask rows. An epoch covers each
// image exactly once.
// An in-memory stand-in for the rendezvous store's add; `gone` makes it
// fail as a store whose host died does.
struct FakeStore {
  std::mutex mutex;
  std::map<std::string, int64_t> values;
  std::atomic<bool> gone{false};
  RankHeartbeat::StoreAdd add() {
    return [this](const std::string& key, int64_t delta) {
      std::lock_guard<std::mutex> lock(mutex);
      if (gone)
        throw std::runtime_error("Connection reset by peer");
      return values[key] += delta;
    };
  }
};

TEST(RankHeartbeat, NamesTheRankThatStoppedBeating) {
  using std::chrono::milliseconds;
  FakeStore store;
  RankHeartbeat rank0(store.add(), 0, 3, "rank 0", milliseconds(20));
  auto rank1 = std::make_unique<RankHeartbeat>(store.add(), 1, 3, "rank 0", milliseconds(20));
  RankHeartbeat rank2(store.add(), 2, 3, "rank 0", milliseconds(20));
  EXPECT_EQ(rank0.diagnose(milliseconds(200)),
            "every other rank is still running: one of them is stuck (the collective timed out)");
  rank1.reset(); // rank 1 dies
  EXPECT_EQ(rank0.diagnose(milliseconds(200)),
            "rank 1 stopped (no heartbeat for 200 ms): crashed (its own message says why) or hung");
  EXPECT_EQ(rank2.diagnose(milliseconds(1000)),
            "rank 1 stopped (no heartbeat for 1 s): crashed (its own message says why) or hung");
  store.gone = true; // rank 0, which serves the store, dies
  EXPECT_EQ(rank2.diagnose(milliseconds(100)),
            "the rendezvous store cannot be reached: rank 0, which serves it, stopped");
}

TEST(RankHeartbeat, AStoreThatHangsIsReportedNotWaitedFor) {
  // Shared with the reads left blocked on it, which outlive this test's frame.
  const auto hang = std::make_shared<std::mutex>();
  std::unique_lock<std::mutex> held(*hang);
  RankHeartbeat stuck(
      [hang](const std::string&, int64_t) -> int64_t {
        std::lock_guard<std::mutex> wait(*hang); // blocks while the test holds it
        return 0;
      },
      1, 2, "torchrun's agent", std::chrono::milliseconds(20));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(stuck.diagnose(std::chrono::milliseconds(100)),
            "the rendezvous store cannot be reached: torchrun's agent, which serves it, stopped");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  held.unlock();
}

TEST(DistSampler, RanksSplitTheSingleProcessBatch) {
  const std::string dir = test::train_tmp("dist_sampler");
  test::write_synthetic_shards(dir + "/shards", 64, 1, false);
  TrainConfig c = test::tiny_train_config(dir + "/shards");
  const auto data = open_dataset(c.data);
  c.num_workers = 0;
  c.batch_size = 16;
  TrainLoader whole(*data, c.loader(), 4, false, 0);
  c.batch_size = 8;
  c.world_size = 2;
  std::vector<std::unique_ptr<TrainLoader>> ranks;
  for (int r = 0; r < 2; ++r) {
    c.rank = r;
    ranks.push_back(std::make_unique<TrainLoader>(*data, c.loader(), 4, false, 0));
  }
  std::multiset<size_t> epoch;
  for (int k = 0; k < 4; ++k) {
    const HostBatch w = whole.next();
    for (int r = 0; r < 2; ++r) {
      const HostBatch b = ranks[r]->next();
      ASSERT_EQ(b.indices.size(), 8u);
      for (size_t j = 0; j < 8; ++j) {
        EXPECT_EQ(b.indices[j], w.indices[r * 8 + j]) << "batch " << k << " rank " << r;
        EXPECT_TRUE(b.slots[j].box == w.slots[r * 8 + j].box) << "crop of batch " << k;
        epoch.insert(b.indices[j]);
      }
      EXPECT_TRUE(torch::equal(b.mask_scores, w.mask_scores.slice(0, r * 8, r * 8 + 8)));
    }
  }
  EXPECT_EQ(epoch.size(), 64u);
  EXPECT_EQ(std::set<size_t>(epoch.begin(), epoch.end()).size(), 64u) << "an image seen twice";
}

// The key third of a qkv bias has an exact gradient of zero (it adds the same
// q.b to every logit of a row, which softmax ignores): what it gets is float
// rounding, which AdamW scales up to about lr either way. It is left out of
// the comparisons; everything else must agree to 1e-6.
torch::Tensor comparable(const std::string& name, const torch::Tensor& t) {
  if (name.size() < 13 || name.compare(name.size() - 13, 13, "attn.qkv.bias") != 0)
    return t;
  const int64_t third = t.size(0) / 3;
  return torch::cat({t.slice(0, 0, third), t.slice(0, 2 * third)});
}

double max_diff(const std::string& name, const torch::Tensor& a, const torch::Tensor& b) {
  return (comparable(name, a) - comparable(name, b)).abs().max().item<double>();
}

// Runs `body(rank, group)` on two ranks (threads of this process, Gloo over
// localhost); returns their errors, "" when none.
std::string on_two_ranks(const std::function<void(int, DistGroup&)>& body) {
  const int port = free_local_port();
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&, r] {
      try {
        DistEnv env;
        env.rank = r;
        env.world_size = 2;
        env.master_port = static_cast<uint16_t>(port);
        env.timeout = std::chrono::seconds(60);
        DistGroup group(env, "cpu");
        body(r, group);
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  for (auto& t : threads)
    t.join();
  return errors[0] + errors[1];
}

// Both ranks hold the same parameters, and they are those of `single`.
void expect_ranks_match(MaskedAutoencoderViT& single, std::vector<MaskedAutoencoderViT>& ranks) {
  const auto a = single->named_parameters(), b = ranks[0]->named_parameters(),
             c = ranks[1]->named_parameters();
  for (const auto& item : a) {
    const auto& name = item.key();
    EXPECT_TRUE(torch::equal(b[name], c[name])) << name << ": the ranks differ";
    EXPECT_LE(max_diff(name, item.value(), b[name]), 1e-6) << name;
  }
}

// One model trained for 3 AdamW steps on 8 images, against two ranks that
// each take 4 of them and average their gradients. The same seeds throughout.
class DistGroupTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (!distributed_available())
      GTEST_SKIP() << "this build has no c10d with Gloo (libgloo-dev)";
    torch::manual_seed(0);
    images = torch::randn({8, 1, m.img_size, m.img_size});
    scores = torch::rand({8, m.num_patches()});
  }

  MaskedAutoencoderViT make() const {
    torch::manual_seed(1);
    return MaskedAutoencoderViT(m);
  }

  // 3 AdamW steps; `backward` leaves each step's gradients in the parameters.
  static void adamw_steps(MaskedAutoencoderViT& model, const std::function<void()>& backward) {
    AdamW opt(weight_decay_groups(*model), AdamWOptions{0.05});
    for (int step = 0; step < 3; ++step) {
      opt.zero_grad();
      backward();
      opt.step(1e-3);
    }
  }

  // The single-process model, trained on the whole batch.
  MaskedAutoencoderViT single() const {
    auto model = make();
    adamw_steps(model, [&] { model->forward(images, scores, keep).loss.backward(); });
    return model;
  }

  static std::vector<torch::Tensor> trainable(MaskedAutoencoderViT& model) {
    std::vector<torch::Tensor> params;
    for (auto& p : model->parameters())
      if (p.requires_grad())
        params.push_back(p);
    return params;
  }

  const ModelConfig m = test::tiny_model(1);
  const int64_t keep = m.num_patches() / 4;
  torch::Tensor images, scores;
};

// DDP's arithmetic on two ranks (threads of this process, Gloo over
// localhost): after 3 AdamW steps each rank holds the same parameters, and
// they are the parameters of one model trained on the concatenated batch.
TEST_F(DistGroupTest, TwoRanksTrainAsOneOnTheWholeBatch) {
  auto whole = single();
  std::vector<MaskedAutoencoderViT> ranks{make(), make()};
  ASSERT_EQ(
      on_two_ranks([&](int r, DistGroup& group) {
        MaskedAutoencoderViT& model = ranks[r];
        adamw_steps(model, [&] {
          model->forward(images.slice(0, 4 * r, 4 * r + 4), scores.slice(0, 4 * r, 4 * r + 4), keep)
              .loss.backward();
          std::vector<torch::Tensor> grads;
          for (auto& p : trainable(model))
            grads.push_back(p.grad());
          group.allreduce_mean(grads, 4096); // small buckets: several of them
        });
      }),
      "");
  expect_ranks_match(whole, ranks);
}

struct Proc {
  pid_t pid = -1;
  std::string log;
};

// `mae train ...` with extra environment variables, output into `log`.
Proc start(const std::string& args, const std::map<std::string, std::string>& env,
           const std::string& log) {
  Proc p;
  p.log = log;
  p.pid = fork();
  if (p.pid == 0) {
    for (const auto& [k, v] : env)
      setenv(k.c_str(), v.c_str(), 1);
    const std::string cmd = "exec " + std::string(MAE_CLI) + " " + args + " > '" + log + "' 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return p;
}

int finish(const Proc& p) {
  int status = 0;
  waitpid(p.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::map<std::string, torch::Tensor> weights(const std::string& path) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& entry : read_safetensors(path).tensors)
    out[entry.first] = test::load_tensor(path, entry.first);
  return out;
}

std::string tiny_config(const std::string& dir, int batch, int steps) {
  TrainConfig c = test::tiny_train_config(dir + "/shards");
  c.batch_size = batch;
  c.accum_iter = 1;
  c.total_steps = steps;
  c.num_workers = 1;
  c.probe_every = 0;
  const std::string path = dir + "/b" + std::to_string(batch) + ".json";
  std::ofstream(path) << train_config_json(c);
  return path;
}

// A run far longer than a test waits for, checkpointed every 2 steps: for
// the kills and stops.
std::string long_config(const std::string& dir) {
  TrainConfig c = test::tiny_train_config(dir + "/shards");
  c.batch_size = 4;
  c.accum_iter = 1;
  c.total_steps = 100000;
  c.checkpoint_every = 2;
  c.num_workers = 1;
  c.probe_every = 0;
  const std::string path = dir + "/long.json";
  std::ofstream(path) << train_config_json(c);
  return path;
}

// The trainer's way: buckets averaged while the backward runs (the reducer's
// hooks), on the last of two micro-batches a step only. The same parameters
// as one model on the whole batch, and the sums did start during the backward.
TEST_F(DistGroupTest, OverlappedBucketsWithAccumulationTrainAsOne) {
  auto whole = single();
  std::vector<MaskedAutoencoderViT> ranks{make(), make()};
  std::vector<size_t> buckets(2), overlapped(2);
  ASSERT_EQ(
      on_two_ranks([&](int r, DistGroup& group) {
        MaskedAutoencoderViT& model = ranks[r];
        GradientReducer reducer(group, trainable(model), 4096); // several buckets
        adamw_steps(model, [&] {
          for (int micro = 0; micro < 2; ++micro) { // 2 images each, rank r's 4
            const int64_t at = 4 * r + 2 * micro;
            if (micro == 1)
              reducer.arm();
            (model->forward(images.slice(0, at, at + 2), scores.slice(0, at, at + 2), keep).loss /
             2)
                .backward();
          }
          reducer.finish();
        });
        buckets[r] = reducer.buckets();
        overlapped[r] = reducer.started_in_backward();
      }),
      "");
  EXPECT_GE(buckets[0], 4u);
  EXPECT_GE(overlapped[0], buckets[0] - 1) << "the sums waited for the end of the backward";
  expect_ranks_match(whole, ranks);
}

// `mae bench --nproc 2`: both ranks' img/s summed, one rank's, and the time
// the gradient averaging takes a step, in the JSON line rank 0 prints.
TEST(DistTrain, BenchReportsTheWorldSizeAndTheAllReduceTime) {
  if (!distributed_available())
    GTEST_SKIP() << "this build has no c10d with Gloo (libgloo-dev)";
  const std::string dir = test::train_tmp("dist_bench");
  const Proc p = start("bench --mode train --arch mae_vit_micro_patch4_28 --batch 8 --steps 3 "
                       "--warmup 1 --workers 1 --nproc 2",
                       {{"MAE_THREADS", "1"}}, dir + "/bench.log");
  ASSERT_EQ(finish(p), 0) << test::slurp(p.log);
  const std::string log = test::slurp(p.log);
  nlohmann::json line;
  int json_lines = 0;
  std::istringstream lines(log);
  for (std::string l; std::getline(lines, l);)
    if (!l.empty() && l[0] == '{')
      line = nlohmann::json::parse(l), ++json_lines;
  ASSERT_EQ(json_lines, 1) << log; // rank 0 speaks for both
  EXPECT_EQ(line.at("world_size"), 2);
  const double total = line.at("img_per_s"), rank0 = line.at("img_per_s_per_rank");
  EXPECT_GT(rank0, 0);
  EXPECT_GT(total, rank0); // the other rank's share added
  EXPECT_GT(line.at("allreduce_ms_per_step").get<double>(), 0);

  const Proc bad = start("bench --mode infer --nproc 2", {}, dir + "/bad.log");
  EXPECT_EQ(finish(bad), 2);
  EXPECT_NE(test::slurp(bad.log).find("only with --mode train"), std::string::npos);
  // Under a launcher's variables, --nproc was dropped without a word.
  const Proc both = start("bench --mode train --nproc 2", {{"WORLD_SIZE", "1"}, {"RANK", "0"}},
                          dir + "/both.log");
  EXPECT_EQ(finish(both), 2);
  EXPECT_NE(test::slurp(both.log).find("--nproc starts processes of its own, but this one is "
                                       "already rank 0 of 1"),
            std::string::npos)
      << test::slurp(both.log);
}

// The user's way: `mae train --nproc 2` against one process on the whole
// batch. Rank 0 alone writes; resuming with another world size is refused.
TEST(DistTrain, NprocTwoMatchesOneProcessOnTheWholeBatch) {
  if (!distributed_available())
    GTEST_SKIP() << "this build has no c10d with Gloo (libgloo-dev)";
  const std::string dir = test::train_tmp("dist_train");
  test::write_synthetic_shards(dir + "/shards", 64, 1, false);
  const std::string one = dir + "/one", two = dir + "/two";
  const Proc a = start("train --config '" + tiny_config(dir, 8, 3) + "' --out '" + one +
                           "' --quiet --threads 1",
                       {}, dir + "/one.log");
  ASSERT_EQ(finish(a), 0) << test::slurp(a.log);
  const Proc b =
      start("train --config '" + tiny_config(dir, 4, 3) + "' --out '" + two + "' --quiet --nproc 2",
            {{"MAE_THREADS", "1"}}, dir + "/two.log");
  ASSERT_EQ(finish(b), 0) << test::slurp(b.log);
  const std::string log = test::slurp(b.log);
  EXPECT_NE(log.find("launching 2 ranks"), std::string::npos) << log;
  EXPECT_NE(log.find("global batch 8 = 4 x 1 x 2 ranks"), std::string::npos) << log;
  const auto w1 = weights(one + "/model.safetensors"), w2 = weights(two + "/model.safetensors");
  ASSERT_EQ(w1.size(), w2.size());
  for (const auto& [name, t] : w1)
    EXPECT_LE(max_diff(name, t, w2.at(name)), 1e-6) << name;
  // The same losses in the metrics (the mean over both ranks).
  const auto loss = [](const std::string& metrics) {
    std::ifstream in(metrics);
    std::string line, last;
    while (std::getline(in, line))
      if (!line.empty())
        last = line;
    return nlohmann::json::parse(last)["loss"].get<double>();
  };
  EXPECT_NEAR(loss(one + "/metrics.jsonl"), loss(two + "/metrics.jsonl"), 1e-5);

  const Proc c = start("train --resume '" + two + "' --steps 5 --quiet", {}, dir + "/resume.log");
  EXPECT_EQ(finish(c), 2); // bad usage: the state is fine, the process count is not
  EXPECT_NE(test::slurp(c.log).find("trained by 2 processes"), std::string::npos)
      << test::slurp(c.log);

  // Resumed with the same world size: the run it would have been.
  const Proc d = start("train --resume '" + two + "' --steps 5 --quiet --nproc 2",
                       {{"MAE_THREADS", "1"}}, dir + "/resume2.log");
  ASSERT_EQ(finish(d), 0) << test::slurp(d.log);
  const Proc e = start("train --config '" + tiny_config(dir, 4, 5) + "' --out '" + dir +
                           "/straight' --quiet --nproc 2",
                       {{"MAE_THREADS", "1"}}, dir + "/straight.log");
  ASSERT_EQ(finish(e), 0) << test::slurp(e.log);
  const auto resumed = weights(two + "/model.safetensors"),
             straight = weights(dir + "/straight/model.safetensors");
  for (const auto& [name, t] : straight)
    EXPECT_TRUE(torch::equal(t, resumed.at(name))) << name;
}

// `mae finetune --nproc 2`: two processes of 4 images a step fine-tune as
// one of 8 (drop path off: its draws are per rank), rank 0 alone writes, a
// folder in use is refused before any worker starts, and a resume needs the
// same world size.
TEST(DistFinetune, NprocTwoMatchesOneProcessOnTheWholeBatch) {
  if (!distributed_available())
    GTEST_SKIP() << "this build has no c10d with Gloo (libgloo-dev)";
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = test::train_tmp("dist_finetune");
  ModelConfig m = test::tiny_model(1);
  m.img_size = 28;
  torch::manual_seed(0);
  MaskedAutoencoderViT mae(m);
  const std::string model = dir + "/model.safetensors";
  save_model(model, mae);
  const std::string recipe = "finetune --model '" + model +
                             "' --max-train 96 --max-test 50 --epochs 2 --drop-path 0 --quiet ";
  const std::string one = dir + "/one", two = dir + "/two";
  const Proc a =
      start(recipe + "--batch-size 8 --threads 1 --out '" + one + "'", {}, dir + "/one.log");
  ASSERT_EQ(finish(a), 0) << test::slurp(a.log);
  const Proc b = start(recipe + "--batch-size 4 --nproc 2 --out '" + two + "'",
                       {{"MAE_THREADS", "1"}}, dir + "/two.log");
  ASSERT_EQ(finish(b), 0) << test::slurp(b.log);
  const std::string log = test::slurp(b.log);
  EXPECT_NE(log.find("24 steps of 8 images (4 x 2 ranks)"), std::string::npos) << log;
  const auto w1 = weights(one + "/classifier.safetensors"),
             w2 = weights(two + "/classifier.safetensors");
  ASSERT_EQ(w1.size(), w2.size());
  for (const auto& [name, t] : w1)
    EXPECT_LE(max_diff(name, t, w2.at(name)), 1e-5) << name;
  const auto result = [](const std::string& run) {
    std::ifstream in(run + "/finetune.json");
    return nlohmann::json::parse(in).at("result");
  };
  EXPECT_EQ(result(one).at("epoch_top1"), result(two).at("epoch_top1"));
  EXPECT_EQ(result(two).at("world_size"), 2);
  // One writer: as many metrics lines as the single process wrote.
  const auto lines = [](const std::string& path) {
    const std::string text = test::slurp(path);
    return std::count(text.begin(), text.end(), '\n');
  };
  EXPECT_GT(lines(one + "/metrics.jsonl"), 0);
  EXPECT_EQ(lines(one + "/metrics.jsonl"), lines(two + "/metrics.jsonl"));

  const Proc again = start(recipe + "--batch-size 4 --nproc 2 --out '" + two + "'",
                           {{"MAE_THREADS", "1"}}, dir + "/again.log");
  EXPECT_NE(finish(again), 0);
  const std::string refused = test::slurp(again.log);
  EXPECT_NE(refused.find("already holds a fine-tune"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("launching"), std::string::npos) << refused;

  const Proc resume = start("finetune --resume '" + two + "' --quiet", {}, dir + "/resume.log");
  EXPECT_NE(finish(resume), 0);
  EXPECT_NE(test::slurp(resume.log).find("resume it with --nproc 2"), std::string::npos)
      << test::slurp(resume.log);
}

// Processes whose command line holds `text`.
int processes_with(const std::string& text) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    n += cmdline.find(text) != std::string::npos;
  }
  return n;
}

// A scheduler's SIGTERM (or a Ctrl-C sent to the launcher alone) stopped the
// launcher and left its ranks training; now every rank stops at a step.
TEST(DistTrain, StopSignalsToTheLauncherStopEveryRank) {
  if (!distributed_available())
    GTEST_SKIP() << "this build has no c10d with Gloo (libgloo-dev)";
  const std::string dir = test::train_tmp("dist_stop");
  test::write_synthetic_shards(dir + "/shards", 64, 1, false);
  const std::string config = long_config(dir);
  for (const int signal : {SIGTERM, SIGINT}) {
    const std::string run = dir + "/stopped_by_" + std::to_string(signal);
    const Proc launcher =
        start("train --config '" + config + "' --out '" + run + "' --nproc 2 --dist-timeout 20",
              {{"MAE_THREADS", "1"}}, run + ".log");
    for (int i = 0; i < 600 && !fs::exists(run + "/checkpoint.safetensors"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    kill(launcher.pid, signal);
    EXPECT_EQ(finish(launcher), 130) << test::slurp(launcher.log);
    EXPECT_EQ(processes_with("--out " + run), 0) << "ranks left running";
    const std::string said = test::slurp(launcher.log);
    EXPECT_NE(said.find("stopped at step"), std::string::npos) << said;
    EXPECT_NO_THROW(read_safetensors(run + "/checkpoint.safetensors"));
  }
}

// A rank that never comes: the one that did gives up within --dist-timeout
// with a message; a rank killed mid-run: the other stops with one too, and
// the run's last checkpoint stays readable.
TEST(DistTrain, AMissingOrDeadRankStopsTheOthersWithAMessage) {
  if (!distributed_available())
    GTEST_SKIP() << "this build has no c10d with Gloo (libgloo-dev)";
  const std::string dir = test::train_tmp("dist_faults");
  test::write_synthetic_shards(dir + "/shards", 64, 1, false);
  const int port = free_local_port();
  const std::map<std::string, std::string> rank0 = {{"WORLD_SIZE", "2"},
                                                    {"RANK", "0"},
                                                    {"MASTER_ADDR", "127.0.0.1"},
                                                    {"MASTER_PORT", std::to_string(port)},
                                                    {"MAE_THREADS", "1"}};
  const auto t0 = std::chrono::steady_clock::now();
  const Proc alone = start("train --config '" + tiny_config(dir, 4, 3) + "' --out '" + dir +
                               "/alone' --dist-timeout 3",
                           rank0, dir + "/alone.log");
  EXPECT_EQ(finish(alone), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
  const std::string said = test::slurp(alone.log);
  EXPECT_NE(said.find("rank 0 of 2"), std::string::npos) << said;
  EXPECT_EQ(said.find("Exception raised from"), std::string::npos) << said; // no C++ trace

  const std::string long_run = long_config(dir);
  // Killed mid-run, once rank 0 has written a checkpoint: the survivor's log.
  const auto survivor_of = [&](int killed, const std::string& run) {
    std::vector<Proc> ranks;
    const std::string port = std::to_string(free_local_port());
    for (const char* r : {"0", "1"}) {
      auto env = rank0;
      env["RANK"] = r;
      env["MASTER_PORT"] = port;
      ranks.push_back(
          start("train --config '" + long_run + "' --out '" + run + "' --dist-timeout 20", env,
                run + ".rank" + r + ".log"));
    }
    for (int i = 0; i < 600 && !fs::exists(run + "/checkpoint.safetensors"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    kill(ranks[killed].pid, SIGKILL);
    finish(ranks[killed]);
    const auto killed_at = std::chrono::steady_clock::now();
    EXPECT_EQ(finish(ranks[1 - killed]), 1);
    EXPECT_LT(std::chrono::steady_clock::now() - killed_at, std::chrono::seconds(40));
    EXPECT_NO_THROW(read_safetensors(run + "/checkpoint.safetensors"));
    return test::slurp(ranks[1 - killed].log);
  };
  const std::string r0_said = survivor_of(1, dir + "/killed1");
  EXPECT_NE(r0_said.find("rank 0 of 2"), std::string::npos) << r0_said;
  EXPECT_NE(r0_said.find("Rank 1 stopped (no heartbeat"), std::string::npos) << r0_said;
  // Rank 0, which serves the store, killed: rank 1 says so.
  const std::string r1_said = survivor_of(0, dir + "/killed0");
  EXPECT_NE(r1_said.find("rank 1 of 2"), std::string::npos) << r1_said;
  EXPECT_NE(
      r1_said.find("The rendezvous store cannot be reached: rank 0, which serves it, stopped"),
      std::string::npos)
      << r1_said;
}

} // namespace
} // namespace mae
