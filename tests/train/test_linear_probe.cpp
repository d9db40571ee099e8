// The linear probe on Fashion-MNIST.
#include "train_test_util.h"

#include "checkpoint/checkpoint.h"
#include "data/fashion_mnist.h"
#include "model/mae_model.h"
#include "train/linear_probe.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace mae {
namespace {

// A randomly initialised 28 px encoder, probed on 2,000 training and 500
// test images (or, with `raw_pixels`, the same head on the pixels).
LinearProbeResult probe_random_encoder(const std::string& name, bool raw_pixels,
                                       LinearProbeOptions o = {}) {
  ModelConfig m = test::tiny_model(1);
  m.img_size = 28;
  torch::manual_seed(0);
  MaskedAutoencoderViT model(m);
  const std::string path = test::train_tmp(name) + "/model.safetensors";
  save_model(path, model);
  o.max_train = 2000;
  o.max_test = 500;
  o.epochs = 20;
  o.batch_size = 250;
  o.device = "cpu";
  o.raw_pixels = raw_pixels;
  return run_linear_probe(path, {}, o);
}

TEST(LinearProbe, LearnsFashionMnistFromFrozenFeatures) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const LinearProbeResult r = probe_random_encoder("linprobe", false);
  EXPECT_EQ(r.train_count, 2000);
  EXPECT_EQ(r.test_count, 500);
  EXPECT_EQ(r.num_classes, 10);
  EXPECT_GT(r.test_top1, 0.2); // well above chance (10%), even from random features
}

// A model whose input the pictures are not (an RGB photo model on gray 28 px
// Fashion-MNIST scored chance with nothing said): the conversion is noted.
TEST(LinearProbe, SaysWhenThePicturesAreNotTheModelsInput) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  std::vector<std::string> log;
  LinearProbeOptions o;
  o.log = [&](const std::string& line) { log.push_back(line); };
  for (const int channels : {1, 3}) {
    log.clear();
    const std::string path =
        test::train_tmp("linprobe_input_" + std::to_string(channels)) + "/model.safetensors";
    MaskedAutoencoderViT model(test::tiny_model(channels)); // 16 px
    save_model(path, model);
    o.max_train = 100;
    o.max_test = 50;
    o.epochs = 1;
    o.device = "cpu";
    run_linear_probe(path, {}, o);
    const std::string expected =
        "note: the pictures (28 x 28 gray) are not the model's input (16 x 16 " +
        std::string(channels == 1 ? "gray" : "RGB") + "): each is resized and centre-cropped" +
        (channels == 1 ? "" : ", its gray repeated over 3 channels") +
        "; an encoder pre-trained on other pictures may probe near chance";
    EXPECT_NE(std::find(log.begin(), log.end(), expected), log.end()) << log.size();
  }
}

// --pool mean: the patch-token mean, a different read-out of the same encoder;
// --pool both: the cls token and that mean side by side.
TEST(LinearProbe, ReadsTheMeanPatchTokenWhenAsked) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  LinearProbeOptions o;
  o.pooling = FeaturePooling::MeanPatch;
  const LinearProbeResult mean = probe_random_encoder("linprobe_mean", false, o);
  const LinearProbeResult cls = probe_random_encoder("linprobe_cls", false);
  EXPECT_EQ(mean.feature_dim, cls.feature_dim);
  EXPECT_GT(mean.test_top1, 0.2);
  EXPECT_TRUE(mean.test_top1 != cls.test_top1 || mean.train_top1 != cls.train_top1)
      << "the same accuracies: the pooling option is not used";
  o.pooling = FeaturePooling::ClsAndMean; // --pool both: the two side by side
  const LinearProbeResult both = probe_random_encoder("linprobe_both", false, o);
  EXPECT_EQ(both.feature_dim, 2 * cls.feature_dim);
  EXPECT_GT(both.test_top1, 0.2);
}

// The baseline an encoder must beat: the same head on the pixels themselves.
TEST(LinearProbe, RawPixelBaselineReadsThePixels) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const LinearProbeResult r = probe_random_encoder("linprobe_pixels", true);
  EXPECT_EQ(r.feature_dim, 28 * 28);
  EXPECT_GT(r.test_top1, 0.6); // pixels alone separate most of Fashion-MNIST
}

// Stopped during feature extraction (a sweep stopped, the app closing): it
// returns at once, saying so, with no accuracy.
TEST(LinearProbe, StopsWhenAsked) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  LinearProbeOptions o;
  std::vector<size_t> seen;
  o.progress = [&](const std::string&, size_t done, size_t) { seen.push_back(done); };
  o.keep_going = [&] { return seen.size() < 2; };
  const LinearProbeResult r = probe_random_encoder("linprobe_stop", false, o);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(seen.size(), 2u); // asked after each batch: no batch after the stop
  EXPECT_EQ(r.test_top1, 0);
}

} // namespace
} // namespace mae
