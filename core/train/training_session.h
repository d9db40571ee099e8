// Training in the background for the GUI: one worker thread owns the
// Trainer (model, optimiser, data) and runs the same loop as `mae train`.
// The UI thread sends commands through a queue and reads immutable
// snapshots; nothing here touches ImGui, GL or torch.
#pragma once

#include "train/metrics_log.h"
#include "train/trainer.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mae {

enum class TrainingState { Idle, Running, Paused, Finished, Failed };
const char* to_string(TrainingState s);

// What the UI draws. Published as a whole and never modified afterwards.
struct TrainingSnapshot {
  TrainingState state = TrainingState::Idle;
  std::string error;            // Failed: why
  std::string message;          // the latest note ("saved checkpoint to ...", a command's error)
  std::vector<std::string> log; // the run's description and notes, in order
  int64_t step = 0, total_steps = 0;
  double epoch = 0;
  double eta_s = 0;
  bool stopped_early = false; // Finished by a Stop command
  int64_t skipped_images = 0, skipped_steps = 0;
  std::vector<std::pair<int64_t, double>> loss, lr, images_per_s, knn_accuracy,
      heldout_mse;                             // (step, value)
  std::vector<ReconstructionPreview> previews; // fixed held-out images
  int64_t preview_step = -1;                   // the step the previews show
  std::string out_dir, checkpoint_path, model_path;
};

// One metrics line added to the snapshot's curves.
void add_to_curves(TrainingSnapshot& s, const MetricsRecord& r);

struct TrainingSessionOptions {
  TrainOptions train;     // out_dir, resume, device
  int preview_every = 25; // steps between preview refreshes; 0: never
  int preview_count = 4;
  // Called on the worker thread after each new snapshot (at most every
  // 250 ms while training, and at every event), so that an idle UI redraws.
  std::function<void()> on_news;
};

class TrainingSession {
public:
  TrainingSession(TrainConfig config, TrainingSessionOptions options);
  // Stops a running session (saving a checkpoint) and joins the worker.
  ~TrainingSession();
  TrainingSession(const TrainingSession&) = delete;
  TrainingSession& operator=(const TrainingSession&) = delete;

  // Spawns the worker thread; later calls do nothing.
  void start();

  // Commands, queued and carried out by the worker between steps. After the
  // run has finished the worker still serves SaveCheckpoint and ExportModel
  // until the session is destroyed.
  void pause();
  void resume();
  // Ends the run early with a checkpoint; the state becomes Finished.
  void stop();
  // Writes DIR/checkpoint.safetensors and DIR/model.safetensors.
  void save_checkpoint(const std::string& dir);
  // The current weights in our model format, e.g. to open in the explorer.
  void export_model(const std::string& path);

  std::shared_ptr<const TrainingSnapshot> snapshot() const;
  // Blocks until the state is Finished or Failed, or `timeout_s` passes;
  // returns whether the run ended.
  bool wait(double timeout_s) const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace mae
