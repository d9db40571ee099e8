#include "train/training_session.h"

#include "base/errors.h"
#include "base/plural.h"
#include "runtime/mailbox.h"
#include "runtime/runtime.h"
#include "train/metrics_log.h"
#include "train/run_plan.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

namespace mae {

void add_to_curves(TrainingSnapshot& s, const MetricsRecord& r) {
  if (r.loss)
    s.loss.emplace_back(r.step, *r.loss);
  if (r.lr)
    s.lr.emplace_back(r.step, *r.lr);
  if (r.images_per_s)
    s.images_per_s.emplace_back(r.step, *r.images_per_s);
  if (r.knn_accuracy)
    s.knn_accuracy.emplace_back(r.step, *r.knn_accuracy);
  if (r.heldout_mse)
    s.heldout_mse.emplace_back(r.step, *r.heldout_mse);
}
namespace {

using Clock = std::chrono::steady_clock;

struct Command {
  enum Kind { Pause, Resume, Stop, Save, Export, Shutdown } kind;
  std::string path;
};

bool ended(TrainingState s) {
  return s == TrainingState::Finished || s == TrainingState::Failed;
}

// The metrics a resumed run continues: its own directory's when it resumes in
// place (the trainer has already cut them at the resumed step), else those
// beside the checkpoint it resumes from.
std::string resumed_metrics_path(const TrainOptions& options) {
  namespace fs = std::filesystem;
  const fs::path own = fs::path(options.out_dir) / kMetricsName;
  std::error_code ec;
  if (fs::file_size(own, ec) > 0 && !ec)
    return own.string();
  return (fs::path(checkpoint_run_dir(options.resume)) / kMetricsName).string();
}

} // namespace

const char* to_string(TrainingState s) {
  switch (s) {
  case TrainingState::Idle:
    return "idle";
  case TrainingState::Running:
    return "running";
  case TrainingState::Paused:
    return "paused";
  case TrainingState::Finished:
    return "finished";
  case TrainingState::Failed:
    return "failed";
  }
  return "?";
}

// The observer half runs on the worker thread and edits `draft`, which only
// that thread touches; publish() hands a copy to the UI.
struct TrainingSession::Impl : TrainObserver {
  TrainConfig config;
  TrainingSessionOptions options;

  Mailbox<Command> commands;
  // The latest snapshot; `cv` wakes wait() when it changes.
  mutable std::mutex mutex;
  mutable std::condition_variable cv;
  std::shared_ptr<const TrainingSnapshot> published = std::make_shared<TrainingSnapshot>();
  bool paused = false; // worker thread only
  std::thread worker;

  TrainingSnapshot draft;
  Clock::time_point last_publish;
  bool shutting_down = false; // a Shutdown consumed during the run

  Impl(TrainConfig c, TrainingSessionOptions o) : config(std::move(c)), options(std::move(o)) {}

  void publish() {
    auto s = std::make_shared<const TrainingSnapshot>(draft);
    last_publish = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mutex);
      published = std::move(s);
    }
    cv.notify_all();
    if (options.on_news)
      options.on_news();
  }

  // Waits for a command while paused (or always, when `block`).
  bool pop(Command& c, bool block) {
    std::optional<Command> next = block || paused ? commands.wait() : commands.take();
    if (!next)
      return false;
    c = std::move(*next);
    return true;
  }

  void set_paused(bool p) {
    paused = p;
    draft.state = p ? TrainingState::Paused : TrainingState::Running;
    publish();
  }

  void save_or_export(Trainer& trainer, const Command& c) {
    try {
      if (c.kind == Command::Save) {
        trainer.save_checkpoint(c.path);
        draft.message = "saved checkpoint to " + c.path;
      } else {
        trainer.export_model(c.path);
        draft.message = "exported model to " + c.path;
      }
    } catch (const Error& e) {
      draft.message = e.what();
    }
    publish();
  }

  void on_message(const std::string& line) override {
    draft.log.push_back(line);
    draft.message = line;
  }

  void on_progress(const TrainProgress& p) override {
    draft.step = p.step;
    draft.total_steps = p.total_steps;
    draft.epoch = p.epoch;
    draft.eta_s = p.eta_s;
    draft.skipped_images = p.skipped_images;
    draft.skipped_steps = p.skipped_steps;
    add_to_curves(draft, metrics_record(p));
    publish();
  }

  bool before_step(Trainer& trainer) override {
    Command c;
    while (pop(c, /*block=*/false)) {
      switch (c.kind) {
      case Command::Pause:
        set_paused(true);
        break;
      case Command::Resume:
        set_paused(false);
        break;
      case Command::Shutdown:
        shutting_down = true;
        return false;
      case Command::Stop:
        return false;
      case Command::Save:
      case Command::Export:
        save_or_export(trainer, c);
        break;
      }
    }
    return true;
  }

  // A stop waiting in the mailbox, taken by the next before_step().
  bool stop_asked() override {
    return commands.any(
        [](const Command& c) { return c.kind == Command::Stop || c.kind == Command::Shutdown; });
  }

  void after_step(Trainer& trainer) override {
    draft.step = trainer.step();
    const bool refresh = options.preview_every > 0 && trainer.step() % options.preview_every == 0;
    if (refresh)
      refresh_previews(trainer);
    if (refresh || Clock::now() - last_publish > std::chrono::milliseconds(250))
      publish();
  }

  // A resumed run's curves start with the steps it resumes from.
  void restore_curves(int64_t resumed_step) {
    const std::string path = resumed_metrics_path(options.train);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      return; // a checkpoint copied without its metrics: the curves start empty
    for (const MetricsRecord& r : read_metrics(path)) {
      if (r.step <= resumed_step)
        add_to_curves(draft, r);
    }
  }

  void refresh_previews(Trainer& trainer) {
    draft.previews = trainer.previews(options.preview_count);
    draft.preview_step = trainer.step();
  }

  // After the run: keep serving saves and exports until shut down.
  void serve(Trainer& trainer) {
    Command c;
    while (!shutting_down && pop(c, /*block=*/true)) {
      if (c.kind == Command::Shutdown)
        return;
      if (c.kind == Command::Save || c.kind == Command::Export)
        save_or_export(trainer, c);
    }
  }

  void work() {
    try {
      Trainer trainer(config, options.train);
      draft.total_steps = trainer.total_steps();
      draft.step = trainer.step();
      draft.out_dir = trainer.out_dir();
      if (!options.train.resume.empty())
        restore_curves(trainer.step());
      if (options.preview_every > 0)
        refresh_previews(trainer);
      publish();
      const TrainSummary summary = trainer.run(*this);
      draft.state = TrainingState::Finished;
      draft.stopped_early = summary.stopped_early;
      draft.step = summary.step;
      draft.checkpoint_path = summary.checkpoint_path;
      draft.model_path = summary.model_path;
      if (options.preview_every > 0)
        refresh_previews(trainer);
      draft.message = summary.stopped_early ? "stopped at step " + std::to_string(summary.step)
                                            : "finished " + count_of(summary.step, "step");
      publish();
      serve(trainer);
    } catch (const std::exception& e) {
      draft.state = TrainingState::Failed;
      draft.error = exception_text(e);
      publish();
    }
  }
};

TrainingSession::TrainingSession(TrainConfig config, TrainingSessionOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {}

TrainingSession::~TrainingSession() {
  if (!impl_->worker.joinable())
    return;
  impl_->commands.post({Command::Shutdown, ""});
  impl_->worker.join();
}

void TrainingSession::start() {
  if (impl_->worker.joinable())
    return;
  impl_->draft.state = TrainingState::Running;
  impl_->publish();
  impl_->worker = std::thread([this] { impl_->work(); });
}

void TrainingSession::pause() {
  impl_->commands.post({Command::Pause, ""});
}
void TrainingSession::resume() {
  impl_->commands.post({Command::Resume, ""});
}
void TrainingSession::stop() {
  impl_->commands.post({Command::Stop, ""});
}
void TrainingSession::save_checkpoint(const std::string& dir) {
  impl_->commands.post({Command::Save, dir});
}
void TrainingSession::export_model(const std::string& path) {
  impl_->commands.post({Command::Export, path});
}

std::shared_ptr<const TrainingSnapshot> TrainingSession::snapshot() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->published;
}

bool TrainingSession::wait(double timeout_s) const {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  return impl_->cv.wait_for(lock, std::chrono::duration<double>(timeout_s),
                            [&] { return ended(impl_->published->state); });
}

} // namespace mae
