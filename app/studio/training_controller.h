// The Training tab's link to its TrainingSession. The session's worker is
// the only thread that touches the model and the optimiser; this class runs
// on the UI thread and only queues commands and reads published snapshots:
// once a frame it takes the newest one, reports a failure once, and notices
// when weights exported for the Explorer have landed.
#pragma once

#include "ui_state.h"

#include "mae/training_session.h"

#include <ctime>
#include <memory>

namespace mae::studio {

class TrainingController {
public:
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

  // A run is under way (Running or Paused): closing the window stops it first.
  bool active() const;
  // The UI must keep redrawing (a run's snapshots do not wake the event
  // loop): a run is Running, an export is awaited, or the app is quitting.
  bool needs_frames(const UiState& st) const;

private:
  void check_export(UiState& st);

  std::unique_ptr<TrainingSession> session_; // destroyed: stops with a checkpoint, joins
};

// Where "Open in explorer" writes the weights it loads.
std::string explorer_model_path(const std::string& run_dir);

} // namespace mae::studio
