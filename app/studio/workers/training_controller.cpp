#include "workers/training_controller.h"

#include "workers/training_setup.h"

#include "base/errors.h"
#include "train/run_watch.h"

#include <filesystem>

namespace mae::studio {
namespace fs = std::filesystem;
namespace {

bool under_way(TrainingState s) {
  return s == TrainingState::Running || s == TrainingState::Paused;
}

} // namespace

std::string explorer_model_path(const std::string& run_dir) {
  return (fs::path(run_dir) / "explorer_model.safetensors").string();
}

void TrainingController::start(UiState& st, std::time_t now) {
  if (active())
    throw UsageError("a run is under way: stop it before starting another");
  TrainingLaunch launch = prepare_training(st.training.form, now);
  TrainingUi& t = st.training;
  t.watch_dir.clear(); // the app's own run replaces a followed one
  t.run_dir = launch.options.train.out_dir;
  t.config_label = launch.config_label;
  t.exporting_model.clear();
  t.stop_requested = false;
  t.seen_state = TrainingState::Idle;
  ++t.session_id;
  // The finished session's worker only serves saves now: joining it is quick.
  session_.reset();
  launch.options.on_news = wake_;
  session_ = std::make_unique<TrainingSession>(std::move(launch.config), launch.options);
  session_->start();
  t.snapshot = session_->snapshot();
  st.status = "training into " + t.run_dir;
}

void TrainingController::pause() {
  if (session_)
    session_->pause();
}

void TrainingController::resume() {
  if (session_)
    session_->resume();
}

void TrainingController::stop() {
  if (session_)
    session_->stop();
}

void TrainingController::save_checkpoint(const UiState& st) {
  if (session_)
    session_->save_checkpoint(st.training.run_dir);
}

void TrainingController::open_in_explorer(UiState& st) {
  if (!session_)
    return;
  TrainingUi& t = st.training;
  t.exporting_model = explorer_model_path(t.run_dir);
  // The file appearing is the signal that the export is done (it is written atomically).
  std::error_code ec;
  fs::remove(t.exporting_model, ec);
  t.export_message_before = t.snapshot ? t.snapshot->message : "";
  session_->export_model(t.exporting_model);
}

void TrainingController::poll(UiState& st) {
  if (!session_) {
    watch(st);
    return;
  }
  TrainingUi& t = st.training;
  t.snapshot = session_->snapshot();
  const TrainingSnapshot& s = *t.snapshot;
  if (s.state == TrainingState::Failed && t.seen_state != TrainingState::Failed)
    st.errors.push_back({"Training failed",
                         "Config: " + t.config_label + "\nRun: " + t.run_dir + "\n\n" + s.error});
  t.seen_state = s.state;
  if (!t.exporting_model.empty())
    check_export(st);
}

// Looks at the followed run's folder once a second (every frame while a
// long metrics file is still being read in, a chunk a frame); a folder that
// stops being a run is reported once and no longer followed.
void TrainingController::watch(UiState& st) {
  TrainingUi& t = st.training;
  if (t.watch_dir.empty()) {
    watcher_.reset();
    return;
  }
  if (!watcher_ || watcher_->dir() != t.watch_dir)
    watcher_ = std::make_unique<RunWatcher>(t.watch_dir);
  else if (watcher_->caught_up() && Clock::now() - t.watch_read < std::chrono::seconds(1))
    return;
  t.watch_read = Clock::now();
  try {
    t.snapshot = watcher_->look();
    t.run_dir = t.watch_dir;
    if (!watcher_->caught_up() && wake_)
      wake_(); // the next chunk in the next frame
  } catch (const Error& e) {
    st.errors.push_back({"Cannot follow the run", e.what()});
    t.watch_dir.clear();
    watcher_.reset();
  }
}

bool TrainingController::watch_caught_up() const {
  return !watcher_ || watcher_->caught_up();
}

void TrainingController::check_export(UiState& st) {
  TrainingUi& t = st.training;
  const TrainingSnapshot& s = *t.snapshot;
  std::error_code ec;
  if (fs::exists(t.exporting_model, ec)) {
    st.commands.push_back({Command::Kind::Open, t.exporting_model, ""});
    st.show_tab(Tab::Explorer);
    t.exporting_model.clear();
    return;
  }
  // A failed export leaves its reason, naming the file, as the session's note.
  const bool export_failed = s.message != t.export_message_before &&
                             s.message.find(t.exporting_model) != std::string::npos &&
                             s.message.rfind("exported model to", 0) != 0;
  if (export_failed || s.state == TrainingState::Failed) {
    st.errors.push_back({"Cannot open the run in the Explorer",
                         "File: " + t.exporting_model + "\n\n" +
                             (export_failed ? s.message : "the run failed: " + s.error)});
    t.exporting_model.clear();
  }
}

bool TrainingController::active() const {
  return session_ && under_way(session_->snapshot()->state);
}

} // namespace mae::studio
