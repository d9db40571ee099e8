// The linear probe of the MAE paper (main_linprobe.py) on a trained
// checkpoint: frozen encoder, cls token after the final norm (or, as an
// option, the mean of the patch tokens: the read-out fine-tuning uses), a BatchNorm
// without affine parameters and a linear head trained with LARS (momentum
// 0.9, no weight decay) on a warmup + cosine schedule; top-1 on held-out
// images. Features are computed once from the centre view, not re-augmented
// every epoch as the official script does: minutes instead of hours, at a
// small cost in accuracy.
#pragma once

#include "eval/knn_probe.h"
#include "model/model_info.h"
#include "train/train_config.h"

#include <cstdint>
#include <functional>
#include <string>

namespace mae {

struct LinearProbeOptions {
  DataConfig data; // labelled training images and a held-out split
  int epochs = 90;
  int batch_size = 1024;
  // lr = blr * batch_size / 256: 6.4 at the default batch, the official
  // run's lr (blr 0.1 at batch 16384). LARS needs that large a rate.
  double blr = 1.6;
  int warmup_epochs = 10; // clamped to a ninth of the epochs, as 10 of 90
  size_t max_train = 0;   // 0: every image
  size_t max_test = 0;
  std::string device = "auto";
  uint64_t seed = 0;
  // The baseline every encoder must beat: the same head on the normalised
  // pixels themselves (at the model's input size), no encoder.
  bool raw_pixels = false;
  // The official probe reads the cls token; MAE's cls token has no training
  // signal of its own in pre-training, so the patch-token mean often reads better.
  FeaturePooling pooling = FeaturePooling::Cls;
  std::function<void(const std::string&)> log; // progress lines
  // Feature extraction, the longest wait: which split, images done, total.
  std::function<void(const std::string& split, size_t done, size_t total)> progress;
  // False: stop at the next batch (the app closing, a sweep stopped); the
  // result then says stopped_early and holds no accuracy.
  std::function<bool()> keep_going;
};

struct LinearProbeResult {
  double test_top1 = 0, train_top1 = 0;
  int64_t train_count = 0, test_count = 0, feature_dim = 0, num_classes = 0;
  double feature_seconds = 0, train_seconds = 0;
  bool stopped_early = false;
};

// Throws CheckpointError, DataError (no labels, no held-out split), UsageError.
LinearProbeResult run_linear_probe(const std::string& model_path, const LoadOptions& load,
                                   const LinearProbeOptions& options);

} // namespace mae
