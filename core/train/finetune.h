// Fine-tuning a pre-trained MAE encoder for classification, the paper's main
// protocol (main_finetune.py): ViTClassifier (mean-pooled patch tokens,
// fc_norm, linear head), AdamW (betas 0.9 / 0.999) with layer-wise lr decay,
// warmup + cosine, label smoothing, stochastic depth; full or partial (the
// last k blocks). Top-1 on the held-out split after every epoch. Mixup,
// CutMix, RandAugment and random erasing of the ImageNet recipe are left out:
// Fashion-MNIST at 28 px gets random shifts and flips instead.
//
// An output folder gets metrics.jsonl (a line per logged step and one per
// epoch with "test_top1"), classifier.safetensors and finetune.json (the
// config and the result), each written atomically, and after every epoch and
// on a stop finetune_state.safetensors, from which a stopped or crashed
// fine-tune continues exactly (on the CPU) where it was saved. Every draw
// (order, shifts, drop path) is seeded from the step, so the run is the same
// whether it stopped or not, and two processes of b images a step train as
// one of 2b (but for drop path's draws, which are per rank).
#pragma once

#include "data/data_config.h"
#include "model/model_info.h"
#include "train/finetune_config.h"
#include "train/train_progress.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mae {

class DistGroup;

constexpr const char* kFinetuneResultName = "finetune.json";
constexpr const char* kClassifierName = "classifier.safetensors";

struct FinetuneOptions {
  FinetuneConfig config;
  DataConfig data;     // labelled training images and a held-out split
  std::string out_dir; // empty: nothing written
  bool force = false;  // replace a fine-tune in out_dir
  // Continue the fine-tune saved in out_dir (same recipe). With `force`, a
  // folder with no state, or one saved with another recipe, starts afresh.
  bool resume = false;
  bool tensorboard = true; // event files beside metrics.jsonl (main_finetune.py's tags)
  std::string device = "auto";
  std::function<void(const std::string&)> log;        // progress lines
  std::function<void(const TrainProgress&)> progress; // every few steps
  std::function<bool()> keep_going;                   // false: stop after this step
  // The resume state is saved at each epoch's end, on a stop, and at the
  // first metrics line this long after the last save: a killed fine-tune
  // loses minutes, not the epoch (an ImageNet epoch is hours).
  double save_every_s = 300;
  // Data-parallel (`mae finetune --nproc N`, torchrun): every rank takes
  // config.batch_size images of each step's global batch (the lr follows the
  // global batch, as main_finetune.py's); rank 0 alone logs and writes, and a
  // resume needs the same world size. Null: one process.
  std::shared_ptr<DistGroup> dist;
};

struct FinetuneResult {
  double test_top1 = 0;           // after the last step
  std::vector<double> epoch_top1; // after each epoch
  int64_t steps = 0, total_steps = 0;
  int64_t train_count = 0, test_count = 0, num_classes = 0;
  int64_t trainable_params = 0, total_params = 0;
  double seconds = 0, images_per_s = 0;
  bool stopped_early = false;
};

// UsageError when out_dir holds a fine-tune that `o` would replace without
// being asked (no force, no resume), or files that are not a fine-tune's (a
// pre-training run, a home folder). run_finetune checks it too; a launcher
// checks before it starts its workers.
void refuse_replacing_finetune(const FinetuneOptions& o);

// Throws CheckpointError, DataError (no labels, no held-out split),
// ConfigError, UsageError (an out_dir that holds a fine-tune, without force;
// nothing to resume). Resuming a finished fine-tune returns its result.
FinetuneResult run_finetune(const std::string& model_path, const LoadOptions& load,
                            const FinetuneOptions& options);

// What `mae finetune --resume PATH` continues, read from the saved state
// (PATH: a fine-tune's output folder or its finetune_state.safetensors).
struct FinetuneResume {
  std::string out_dir, model_path;
  std::string model_config_json; // the architecture, for formats that do not carry it
  FinetuneConfig config;
  DataConfig data;
  int64_t step = 0, total_steps = 0;
};
// Throws UsageError (no state there), CheckpointError (not one, or damaged).
FinetuneResume finetune_resume_info(const std::string& path);

} // namespace mae
