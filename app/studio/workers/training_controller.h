// The Training tab's link to its TrainingSession. The session's worker is
// the only thread that touches the model and the optimiser; this class runs
// on the UI thread and only queues commands and reads published snapshots:
// once a frame it takes the newest one, reports a failure once, and notices
// when weights exported for the Explorer have landed.
#pragma once

#include "ui_state.h"

#include "train/training_session.h"
#include "workers/watch_worker.h"

#include <ctime>
#include <functional>
#include <memory>

namespace mae::studio {

class TrainingController {
public:
  // `wake` runs on the session's and the follower's workers whenever they
  // publish (the app posts an empty GLFW event), so the UI sleeps between.
  explicit TrainingController(std::function<void()> wake = {}) : wake_(std::move(wake)) {}

  // Starts a run from st.training.form, replacing a finished one. Throws
  // ConfigError, UsageError (the form is incomplete, a run is under way).
  void start(UiState& st, std::time_t now);
  void pause();
  void resume();
  void stop(); // ends the run early with a checkpoint
  void save_checkpoint(const UiState& st);
  // Exports the current weights into the run directory; poll() opens them
  // in the Explorer once written.
  void open_in_explorer(UiState& st);

  // Once a frame, before the panels draw.
  void poll(UiState& st);

  // The followed run's metrics are read to their end (or no run is followed).
  bool watch_caught_up() const;

  // A run is under way (Running or Paused): closing the window stops it first.
  bool active() const;
  // Stops a run with a checkpoint and joins the workers (before the window
  // goes: they wake the UI through GLFW).
  void close() {
    session_.reset();
    watcher_.reset();
  }

private:
  void check_export(UiState& st);
  void watch(UiState& st);

  std::function<void()> wake_;
  std::unique_ptr<TrainingSession> session_; // destroyed: stops with a checkpoint, joins
  std::string own_run_dir_;                  // the session's folder
  std::unique_ptr<WatchWorker> watcher_;     // started the first time a run is followed
  std::string followed_;                     // the folder posted to it last
  bool caught_up_ = true;                    // its newest news had every metrics line
};

// Where "Open in explorer" writes the weights it loads.
std::string explorer_model_path(const std::string& run_dir);

} // namespace mae::studio
