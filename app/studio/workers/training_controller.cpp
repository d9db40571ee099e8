#include "workers/training_controller.h"
#include "failure_text.h"

#include "workers/training_setup.h"

#include "base/errors.h"

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
  t.run_dir = own_run_dir_ = launch.options.train.out_dir;
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
  watch(st);
  TrainingUi& t = st.training;
  if (!session_ || !t.watch_dir.empty()) // a followed run shows instead of a finished own one
    return;
  // Back from following: Save checkpoint, Open in explorer and Export CSV
  // act on the app's own run folder again, never the followed one.
  t.run_dir = own_run_dir_;
  t.snapshot = session_->snapshot();
  const TrainingSnapshot& s = *t.snapshot;
  if (s.state == TrainingState::Failed && t.seen_state != TrainingState::Failed)
    st.errors.push_back({"Training failed",
                         "Config: " + t.config_label + "\nRun: " + t.run_dir + "\n\n" + s.error});
  t.seen_state = s.state;
  if (!t.exporting_model.empty())
    check_export(st);
}

// Tells the follower which folder the tab shows and takes what it read; a
// folder that is no run is reported once and no longer followed.
void TrainingController::watch(UiState& st) {
  TrainingUi& t = st.training;
  if (t.watch_dir != followed_) {
    if (!watcher_)
      watcher_ = std::make_unique<WatchWorker>(wake_);
    watcher_->follow(t.watch_dir);
    followed_ = t.watch_dir;
    caught_up_ = t.watch_dir.empty();
    ++t.session_id; // another run shown: the preview textures are made again
  }
  if (!watcher_)
    return;
  for (WatchNews& news : watcher_->take_news()) {
    if (news.dir != followed_)
      continue; // about a folder left since
    if (!news.error.empty()) {
      st.errors.push_back({"Cannot follow the run", news.error});
      t.watch_dir.clear();
      followed_.clear();
      caught_up_ = true;
      ++t.session_id;
      return;
    }
    t.snapshot = std::move(news.snapshot);
    t.run_dir = t.watch_dir;
    caught_up_ = news.caught_up;
  }
}

bool TrainingController::watch_caught_up() const {
  return caught_up_;
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
                         failure_text(t.exporting_model,
                                      export_failed ? s.message : "the run failed: " + s.error)});
    t.exporting_model.clear();
  }
}

bool TrainingController::active() const {
  return session_ && under_way(session_->snapshot()->state);
}

} // namespace mae::studio
