// Torch-free training pieces: configs, the lr schedule, crops, Fashion-MNIST,
// shards, image folders, metrics.
#include "train_test_util.h"

#include "mae/crop_box.h"
#include "mae/errors.h"
#include "mae/fashion_mnist.h"
#include "mae/lr_schedule.h"
#include "mae/metrics_log.h"
#include "mae/progress_bar.h"
#include "mae/shards.h"
#include "mae/train_config.h"

#ifdef MAE_WITH_OPENCV
#include "mae/image_folder.h"
#include "mae/image_io.h"
#include "mae/pack.h"
#endif

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace mae {
namespace {

std::string config_error(const std::string& json) {
  try {
    parse_train_config(json, "cfg");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TrainConfig, RoundTripsThroughJson) {
  TrainConfig c = test::tiny_train_config("/data/x");
  c.mask_strategy = MaskStrategy::Block;
  c.model.norm_pix_loss = true;
  c.augment.min_scale = 0.3;
  const TrainConfig back = parse_train_config(train_config_json(c), "round trip");
  EXPECT_EQ(train_config_json(back), train_config_json(c));
  EXPECT_EQ(back.model, c.model);
  EXPECT_EQ(back.mask_strategy, MaskStrategy::Block);
  EXPECT_TRUE(back.augment == c.augment);
}

TEST(TrainConfig, ArchAndTopLevelOverrides) {
  const TrainConfig c = parse_train_config(
      R"({"arch": "mae_vit_micro_patch4_28", "total_steps": 10, "mask_ratio": 0.6, "norm_pix_loss": true})",
      "t");
  EXPECT_EQ(c.model.embed_dim, 128);
  EXPECT_DOUBLE_EQ(c.model.mask_ratio, 0.6);
  EXPECT_TRUE(c.model.norm_pix_loss);
  EXPECT_EQ(c.normalization.mean.size(), 1u); // gray ImageNet statistics
  EXPECT_DOUBLE_EQ(c.peak_lr(), 1.5e-4 * 64 / 256);
}

TEST(TrainConfig, ErrorsNameTheField) {
  const std::string base = R"("arch": "mae_vit_micro_patch4_28", "total_steps": 10)";
  EXPECT_NE(config_error("{" + base + R"(, "batch_size": 0})").find("'batch_size'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "batch_size": "8"})").find("'batch_size'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "mask_strategy": "spiral"})").find("'mask_strategy'"),
            std::string::npos);
  EXPECT_NE(
      config_error("{" + base + R"(, "bacth_size": 8})").find("unknown config field 'bacth_size'"),
      std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "data": {"type": "folder"}})").find("'data.path'"),
            std::string::npos);
  EXPECT_NE(
      config_error("{" + base + R"(, "augment": {"min_scale": 2}})").find("'augment.min_scale'"),
      std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "epochs": 3})").find("'total_steps'"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"total_steps": 10})").find("'arch'"), std::string::npos);
  EXPECT_NE(config_error(R"({"arch": "nope", "total_steps": 10})").find("'arch'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "model": {}})").find("'arch'"), std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "normalization": {"mean": [0.5, 0.5], "std": [1, 1]}})")
                .find("normalization"),
            std::string::npos);
}

TEST(TrainConfig, ShippedConfigsLoad) {
  for (const auto& entry : fs::directory_iterator(std::string(MAE_SOURCE_DIR) + "/configs/train")) {
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_train_config(entry.path().string()));
  }
  const TrainConfig vitb =
      load_train_config(std::string(MAE_SOURCE_DIR) + "/configs/train/imagenet_vit_base.json");
  EXPECT_EQ(vitb.effective_batch(), 4096);
  EXPECT_DOUBLE_EQ(vitb.peak_lr(), 1.5e-4 * 4096 / 256);
  EXPECT_TRUE(vitb.model.norm_pix_loss);
  EXPECT_EQ(vitb.epochs, 800);
  EXPECT_EQ(vitb.warmup_epochs, 40);
}

TEST(LrSchedule, WarmupThenHalfCosine) {
  const LrSchedule s{1e-3, 1e-5, 100, 1100};
  EXPECT_DOUBLE_EQ(s.at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.at(50), 0.5e-3);               // warmup midpoint
  EXPECT_DOUBLE_EQ(s.at(100), 1e-3);                // end of warmup: the peak
  EXPECT_NEAR(s.at(600), (1e-3 + 1e-5) / 2, 1e-15); // cosine midpoint
  EXPECT_NEAR(s.at(1099), 1e-5, 1e-8);              // last step: almost min_lr
  EXPECT_DOUBLE_EQ(s.at(1100), 1e-5);               // end
  EXPECT_GT(s.at(300), s.at(301));
}

TEST(LrSchedule, EpochsBecomeSteps) {
  TrainConfig c = test::tiny_train_config("x");
  c.total_steps = 0;
  c.epochs = 2.5;
  c.warmup_steps = 0;
  c.warmup_epochs = 0.5;
  const TrainingLength t = training_length(c, 1000); // 1000 / 16 = 62 full batches
  EXPECT_EQ(t.steps_per_epoch, 62);
  EXPECT_EQ(t.total_steps, 155);
  EXPECT_EQ(t.warmup_steps, 31);
  EXPECT_EQ(t.repeats, 1);
  // Fewer images than a batch: the epoch repeats them.
  const TrainingLength small = training_length(c, 15);
  EXPECT_EQ(small.repeats, 2);
  EXPECT_EQ(small.steps_per_epoch, 1);
  EXPECT_THROW(training_length(c, 0), DataError);
}

TEST(CropBox, RandomResizedCropStaysInsideAndFollowsTheRanges) {
  AugmentConfig a;
  int flips = 0;
  for (int i = 0; i < 2000; ++i) {
    SeededRng rng(7, RngStream::Crop, static_cast<uint64_t>(i));
    const CropBox b = training_crop(30, 50, a, rng);
    ASSERT_GE(b.top, 0);
    ASSERT_GE(b.left, 0);
    ASSERT_LE(b.top + b.height, 30);
    ASSERT_LE(b.left + b.width, 50);
    const double area = static_cast<double>(b.height) * b.width / (30.0 * 50.0);
    ASSERT_GE(area, 0.15);
    flips += b.flip;
  }
  EXPECT_NEAR(flips / 2000.0, 0.5, 0.05);
  SeededRng r1(7, RngStream::Crop, 5), r2(7, RngStream::Crop, 5);
  EXPECT_TRUE(training_crop(30, 50, a, r1) == training_crop(30, 50, a, r2));
  EXPECT_TRUE(center_square(30, 50) == (CropBox{0, 10, 30, 30, false}));
}

TEST(FashionMnist, ReadsTheDebianFilesWithTheKnownLabelCounts) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  for (const bool train : {true, false}) {
    const FashionMnist d = read_fashion_mnist("", train);
    EXPECT_EQ(d.count, train ? 60000 : 10000);
    EXPECT_EQ(d.rows, 28);
    EXPECT_EQ(d.cols, 28);
    std::vector<int> counts(10, 0);
    for (uint8_t l : d.labels)
      ++counts[l];
    for (int c = 0; c < 10; ++c)
      EXPECT_EQ(counts[static_cast<size_t>(c)], train ? 6000 : 1000) << "class " << c;
  }
  const FashionMnistDataset ds("", false);
  const Image img = ds.load(0);
  EXPECT_EQ(img.width, 28);
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(ds.label(0), 9); // the first test image is an ankle boot
}

TEST(FashionMnist, MissingOrCorruptFilesAreDataErrors) {
  const std::string dir = test::train_tmp("fmnist_bad");
  EXPECT_THROW(read_fashion_mnist(dir, true), DataError);
  std::ofstream(dir + "/train-images-idx3-ubyte.gz") << "not gzip at all";
  std::ofstream(dir + "/train-labels-idx1-ubyte.gz") << "not gzip at all";
  EXPECT_THROW(read_fashion_mnist(dir, true), DataError);
}

TEST(Shards, RoundTripPixelsLabelsAndSizes) {
  const std::string dir = test::train_tmp("shards_rt");
  test::write_synthetic_shards(dir, 40, 3, true, /*shard_bytes=*/5000);
  const ShardDataset ds(dir);
  ASSERT_EQ(ds.size(), 40u);
  EXPECT_EQ(ds.channels(), 3);
  EXPECT_EQ(ds.classes().size(), 4u);
  EXPECT_GT(std::distance(fs::directory_iterator(dir), fs::directory_iterator()),
            3); // several shards
  for (int i = 0; i < 40; ++i) {
    int label = 0;
    const Image want = test::synthetic_image(i, 3, &label);
    const Image got = ds.load(static_cast<size_t>(i));
    ASSERT_EQ(got.width, want.width);
    ASSERT_EQ(got.height, want.height);
    ASSERT_EQ(got.pixels, want.pixels) << "image " << i;
    EXPECT_EQ(ds.label(static_cast<size_t>(i)), label);
  }
}

TEST(Shards, MalformedDirectoriesAreDataErrors) {
  const std::string dir = test::train_tmp("shards_bad");
  EXPECT_THROW(ShardDataset{dir}, DataError); // no index: an unfinished pack
  test::write_synthetic_shards(dir, 10, 1, false, 100000);
  { std::ofstream(dir + "/shard-00000.bin", std::ios::binary | std::ios::trunc) << "short"; }
  try {
    ShardDataset ds(dir);
    FAIL() << "a truncated shard was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("shard-00000.bin"), std::string::npos) << e.what();
  }
}

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
  resumed.append(p);
  const auto records = read_metrics(path);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records.back().step, 4);
  EXPECT_DOUBLE_EQ(*records.back().loss, 0.1);
  EXPECT_DOUBLE_EQ(*records.back().knn_accuracy, 0.5);
  EXPECT_FALSE(records.front().knn_accuracy);
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
}

#ifdef MAE_WITH_OPENCV
TEST(ImageFolder, ClassesFromSubdirectoriesAndPackSkipsCorruptFiles) {
  const std::string root = test::train_tmp("folder_in"), out = test::train_tmp("folder_shards");
  for (int i = 0; i < 12; ++i) {
    int label = 0;
    const Image img = test::synthetic_image(i, i % 3 == 0 ? 1 : 3, &label); // gray and RGB mixed
    fs::create_directories(root + "/class" + std::to_string(label % 2) + "/sub");
    write_png(root + "/class" + std::to_string(label % 2) + "/sub/img" + std::to_string(i) + ".png",
              img);
  }
  std::ofstream(root + "/class0/broken.png") << "this is not a png";
  const FolderScan scan = scan_image_folder(root);
  EXPECT_EQ(scan.files.size(), 13u);
  EXPECT_EQ(scan.classes, (std::vector<std::string>{"class0", "class1"}));

  PackOptions o;
  o.short_side = 16;
  o.threads = 2;
  const PackReport r = pack_image_folder(root, out, o);
  EXPECT_EQ(r.images, 12u);
  EXPECT_EQ(r.skipped, 1u);
  ASSERT_EQ(r.skipped_files.size(), 1u);
  EXPECT_NE(r.skipped_files[0].find("broken.png"), std::string::npos) << r.skipped_files[0];
  const ShardDataset ds(out);
  EXPECT_EQ(ds.size(), 12u);
  EXPECT_EQ(ds.classes().size(), 2u);
  for (size_t i = 0; i < ds.size(); ++i) {
    const Image img = ds.load(i);
    EXPECT_EQ(std::min(img.width, img.height), 16);
    EXPECT_EQ(img.channels, 3);
  }
}
#endif

} // namespace
} // namespace mae
