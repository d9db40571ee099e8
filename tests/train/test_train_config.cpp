// Training configs and the lr schedule.
#include "error_of.h"
#include "train_test_util.h"

#include "base/errors.h"
#include "train/batch_memory.h"
#include "train/lr_schedule.h"
#include "train/train_config.h"

#include <gtest/gtest.h>

#include <filesystem>

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
  c.recon_eval_every = 50;
  c.recon_eval_images = 12;
  c.recon_eval_masks = 3;
  const TrainConfig back = parse_train_config(train_config_json(c), "round trip");
  EXPECT_EQ(train_config_json(back), train_config_json(c));
  EXPECT_EQ(back.model, c.model);
  EXPECT_EQ(back.mask_strategy, MaskStrategy::Block);
  EXPECT_TRUE(back.augment == c.augment);
  EXPECT_EQ(back.recon_eval_every, 50);
  EXPECT_EQ(back.recon_eval_images, 12);
  EXPECT_EQ(back.recon_eval_masks, 3);
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
  // Found by fuzz_train_config: a negative channel count reached the
  // normalisation preset before validation (std::length_error).
  EXPECT_NE(config_error(R"({"model": {"img_size": 32, "patch_size": 8, "in_chans": -3,
                                       "embed_dim": 64, "depth": 1, "num_heads": 2,
                                       "decoder_embed_dim": 32, "decoder_depth": 1,
                                       "decoder_num_heads": 2}, "total_steps": 10})")
                .find("in_chans"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "batch_size": 0})").find("'batch_size'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "batch_size": "8"})").find("'batch_size'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "mask_strategy": "spiral"})").find("'mask_strategy'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "recon_eval_every": -1})").find("'recon_eval_every'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "recon_eval_masks": 0})").find("'recon_eval_masks'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "recon_eval_images": 0})").find("'recon_eval_images'"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "bacth_size": 8})")
                .find("unknown config field 'bacth_size' (did you mean 'batch_size'?)"),
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
                .find("normalization: mean and std need one value per image channel: the "
                      "model takes 1, mean has 2 and std 2 (the arch mae_vit_micro_patch4_28 "
                      "sets the channels: give a normalization for it)"),
            std::string::npos);
  // Past float's range: inf, which a saved config would write as null. Found by tests/fuzz.
  EXPECT_NE(config_error("{" + base + R"(, "normalization": {"mean": [1e39], "std": [1]}})")
                .find("mean values must be finite"),
            std::string::npos);
  EXPECT_NE(config_error("{" + base + R"(, "normalization": {"mean": [0], "std": [1e39]}})")
                .find("std values must be positive and finite"),
            std::string::npos);
}

TEST(TrainConfig, BatchesTooLargeForMemoryAreRefusedWithOneThatFits) {
  TrainConfig c;
  c.model = builtin_model_config("mae_vit_base_patch16");
  c.batch_size = 4096;
  const int64_t eight_gb = int64_t{8} << 30;
  const std::string msg = test::error_of([&] { require_batch_fits(c, eight_gb); });
  EXPECT_NE(msg.find("'batch_size'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("use batch_size"), std::string::npos) << msg;
  // The batch it proposes fits, and one more image would not.
  const auto at = msg.find("use batch_size ") + 15;
  const int fits = std::stoi(msg.substr(at));
  EXPECT_GT(fits, 10);
  c.batch_size = fits;
  EXPECT_NO_THROW(require_batch_fits(c, eight_gb));
  c.batch_size = fits + 1;
  EXPECT_THROW(require_batch_fits(c, eight_gb), ConfigError);
  // Unknown memory: nothing is refused; too little for the weights: said so.
  EXPECT_NO_THROW(require_batch_fits(c, -1));
  const std::string too_large = test::error_of([&] { require_batch_fits(c, 1 << 20); });
  EXPECT_EQ(too_large.rfind("config field 'model': ", 0), 0u) << too_large;
  EXPECT_NE(too_large.find("even one image at a time"), std::string::npos) << too_large;
  EXPECT_EQ(too_large.find("batch_size"), std::string::npos) << too_large;
}

// mae bench --mode infer: forward passes keep no activations for a backward.
TEST(TrainConfig, ForwardBatchesTooLargeForMemoryAreRefused) {
  const ModelConfig base = builtin_model_config("mae_vit_base_patch16");
  const int64_t eight_gb = int64_t{8} << 30;
  const std::string msg =
      test::error_of([&] { require_forward_fits(base, 65536, eight_gb, "--batch"); });
  EXPECT_EQ(msg.rfind("--batch: 65536 images need at least ", 0), 0u) << msg;
  EXPECT_NE(msg.find("for one forward pass"), std::string::npos) << msg;
  const auto at = msg.find("at most ") + 8;
  const int fits = std::stoi(msg.substr(at));
  EXPECT_NO_THROW(require_forward_fits(base, fits, eight_gb, "--batch"));
  EXPECT_THROW(require_forward_fits(base, fits + 1, eight_gb, "--batch"), ConfigError);
  // Far more than training's batch: no optimizer state, no activations kept.
  TrainConfig train;
  train.model = base;
  train.batch_size = fits / 4;
  EXPECT_THROW(require_batch_fits(train, eight_gb, "--batch"), ConfigError);
  EXPECT_NO_THROW(require_forward_fits(base, 64, -1, "--batch"));
  EXPECT_NE(test::error_of([&] {
              require_forward_fits(base, 1, 1 << 20, "--batch");
            }).find("to run even one image at a time"),
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

} // namespace
} // namespace mae
