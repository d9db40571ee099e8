// A sweep in the background for the app's Experiments tab: one worker thread
// runs run_sweep (sweep_runner.h); the UI thread sends commands through a
// Mailbox and reads immutable snapshots. Stop ends the current run at a
// checkpoint (Start again resumes it); Pause holds the worker between steps.
// Nothing here touches ImGui, GL or torch.
#pragma once

#include "train/sweep_runner.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mae {

enum class SweepState { Idle, Running, Paused, Stopped, Finished, Failed };
const char* to_string(SweepState s);

struct SweepSnapshot {
  SweepState state = SweepState::Idle;
  std::string error;                   // Failed: why
  std::vector<std::string> log;        // the latest lines, oldest first
  int current = -1;                    // the run in progress (index), -1: none
  std::string stage;                   // "training", "resuming", "k-NN probe", "fine-tuning", ...
  int64_t step = 0, total_steps = 0;   // of the current stage, when it counts steps
  std::vector<SweepRunResult> results; // finished runs, in run order
};

class SweepSession {
public:
  // `on_news` runs on the worker after each new snapshot (the app wakes its UI).
  SweepSession(SweepConfig sweep, std::string sweep_dir, SweepOptions options,
               std::function<void()> on_news);
  // Stops a running sweep at a checkpoint and joins the worker.
  ~SweepSession();
  SweepSession(const SweepSession&) = delete;
  SweepSession& operator=(const SweepSession&) = delete;

  void start(); // spawns the worker; later calls do nothing
  void pause();
  void resume();
  void stop();

  std::shared_ptr<const SweepSnapshot> snapshot() const;
  // Blocks until the sweep has ended (Stopped, Finished, Failed) or `timeout_s` passes.
  bool wait(double timeout_s) const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace mae
