// MAE pre-training: the one training loop behind `mae train` and the GUI's
// TrainingSession. Torch stays behind this header (pimpl), so the CLI and
// the GUI compile without it.
//
// A run lives in an output directory:
//   config.json          the resolved training config
//   checkpoint.safetensors  everything needed to resume (weights, AdamW
//                        moments, step, RNG state, config), written atomically
//   model.safetensors    the weights in our model format (mae info,
//                        mae reconstruct, the app), written atomically
//   metrics.jsonl        one JSON object per logged step
//   best_model.safetensors  with recon_eval_every: the weights of the lowest
//                        held-out masked-region MSE so far, written atomically
#pragma once

#include "dist/dist_group.h"
#include "eval/reconstruction_preview.h"
#include "train/metrics_log.h"
#include "train/preview_file.h"
#include "train/train_config.h"
#include "train/train_progress.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mae {

constexpr const char* kTrainStateName = "checkpoint.safetensors";
constexpr const char* kTrainModelName = "model.safetensors";
constexpr const char* kBestModelName = "best_model.safetensors";
// A new run in a run's folder (--force) keeps the old run's checkpoint,
// models and previews under this suffix until it has saved its own: one that
// dies first (out of memory, say) loses neither run.
constexpr const char* kReplacedSuffix = ".replaced";
// The files a new run in a run's folder sets aside, and a run continued in
// place writes over (a resume repairs the model file).
constexpr const char* kReplaceableRunFiles[] = {kTrainStateName, kTrainModelName, kBestModelName,
                                                kPreviewFileName};

struct TrainOptions {
  std::string out_dir; // required
  std::string resume; // the checkpoint.safetensors to continue (see run_plan.h); empty: fresh start
  // A fresh run's starting weights instead of the seed's: a model file (ours,
  // HuggingFace, official .pth) of the config's architecture, e.g. to go on
  // pre-training released weights on one's own pictures. Not with `resume`.
  std::string init;
  std::string device = "auto";
  // Test hook: images of the steps it returns true for are replaced by NaN.
  std::function<bool(int64_t step)> poison_step;
  // Save a checkpoint when the run ends (benchmarks turn it off).
  bool save_final = true;
  // CPU: time the step at a few thread counts before training and keep the
  // fastest (a resumed run keeps the count it saved). For runs whose thread
  // count nobody chose (runtime.h, threads_automatic).
  bool probe_threads = false;
  // Data-parallel training (torchrun, --nproc): rank 0's weights broadcast at
  // start, gradients averaged every step, each rank its share of every batch;
  // rank 0 alone writes metrics and checkpoints. Null: one process.
  std::shared_ptr<DistGroup> dist;
  // Also write TensorBoard event files beside metrics.jsonl (tensorboard_log.h),
  // where the build has protobuf.
  bool tensorboard = true;
  // A finished run resumed: say that there is nothing to train, and how to
  // train on. Off for a sweep, which re-opens its finished runs to evaluate them.
  bool note_finished = true;
};

class Trainer;

// Callbacks from the training thread.
class TrainObserver {
public:
  virtual ~TrainObserver() = default;
  virtual void on_message(const std::string& /*line*/) {}
  virtual void on_progress(const TrainProgress& /*p*/) {}
  // Before every step. Returning false stops the run early (with a checkpoint).
  virtual bool before_step(Trainer& /*trainer*/) { return true; }
  // Asked during the k-NN probe (seconds on a CPU): true abandons it, and the
  // next before_step() is expected to stop the run.
  virtual bool stop_asked() { return false; }
  virtual void after_step(Trainer& /*trainer*/) {}
};

struct TrainSummary {
  int64_t step = 0, total_steps = 0;
  bool stopped_early = false;
  TrainProgress last;
  std::optional<double> initial_knn_accuracy, final_knn_accuracy;
  // recon_eval_every: the held-out masked-region MSE at the start of this
  // process's training, the best so far (the weights in best_model_path) and
  // Telea inpainting's on the same masks (builds with OpenCV).
  std::optional<double> initial_heldout_mse, best_heldout_mse, telea_heldout_mse;
  int64_t best_heldout_step = 0;
  std::string checkpoint_path, model_path, best_model_path;
  double allreduce_seconds = 0; // distributed runs: time in gradient averaging
};

class Trainer {
public:
  // Opens the data, builds (or resumes) the model and optimiser. Throws
  // ConfigError, DataError, CheckpointError, TrainError, UsageError.
  Trainer(const TrainConfig& config, const TrainOptions& options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  const TrainConfig& config() const;
  const std::string& out_dir() const;
  int64_t step() const;
  int64_t total_steps() const;
  int64_t steps_per_epoch() const;
  // Lines for the start of a run: data, model, device, schedule.
  std::vector<std::string> describe() const;

  // Trains until total_steps or until the observer stops it, logging,
  // probing and checkpointing as configured; always saves a checkpoint at the
  // end. A non-finite loss throws TrainError (the last checkpoint is kept)
  // unless skip_nonfinite is set.
  TrainSummary run(TrainObserver& observer);

  // Writes DIR/checkpoint.safetensors, then DIR/model.safetensors, each
  // atomically. `before_rename` is the test hook of write_file_atomic.
  void save_checkpoint(const std::string& dir, const std::function<void()>& before_rename = {});
  // The current weights in our model format, with normalisation metadata.
  // `half` stores float16 (shipping models).
  void export_model(const std::string& path, bool half = false);

  // k-NN top-1 accuracy of the encoder (see knn_probe.h); nullopt when the
  // data has no labels, or when `stop` (asked after each batch of features)
  // says to abandon it.
  std::optional<double> probe(const std::function<bool()>& stop = {});
  // The held-out masked-region MSE of the current weights (recon_eval_every);
  // nullopt when it is off or on ranks other than 0.
  std::optional<double> heldout_mse();
  // The fixed preview images through the current weights.
  std::vector<ReconstructionPreview> previews(int count);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace mae
