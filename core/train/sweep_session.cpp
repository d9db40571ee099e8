#include "train/sweep_session.h"

#include "base/errors.h"
#include "runtime/mailbox.h"
#include "runtime/runtime.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mae {
namespace {

using Clock = std::chrono::steady_clock;
enum class Command { Pause, Resume, Stop };
constexpr size_t kLogLines = 200;

bool ended(SweepState s) {
  return s == SweepState::Stopped || s == SweepState::Finished || s == SweepState::Failed;
}

} // namespace

const char* to_string(SweepState s) {
  switch (s) {
  case SweepState::Idle:
    return "idle";
  case SweepState::Running:
    return "running";
  case SweepState::Paused:
    return "paused";
  case SweepState::Stopped:
    return "stopped";
  case SweepState::Finished:
    return "finished";
  case SweepState::Failed:
    return "failed";
  }
  return "?";
}

// `draft` is the worker's alone; publish() hands a copy to the UI.
struct SweepSession::Impl {
  SweepConfig sweep;
  std::string sweep_dir;
  SweepOptions options;
  std::function<void()> on_news;
  Mailbox<Command> commands;
  mutable std::mutex mutex;
  mutable std::condition_variable cv;
  std::shared_ptr<const SweepSnapshot> published = std::make_shared<SweepSnapshot>();
  SweepSnapshot draft;
  Clock::time_point last_publish;
  bool stopping = false; // worker thread only
  std::thread worker;

  void publish() {
    auto s = std::make_shared<const SweepSnapshot>(draft);
    last_publish = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mutex);
      published = std::move(s);
    }
    cv.notify_all();
    if (on_news)
      on_news();
  }

  void log(const std::string& line) {
    draft.log.push_back(line);
    if (draft.log.size() > kLogLines)
      draft.log.erase(draft.log.begin());
  }

  // Between steps: carry out the queued commands; while paused, wait for one.
  bool keep_going() {
    bool paused = false;
    for (;;) {
      const std::optional<Command> c = paused ? commands.wait() : commands.take();
      if (!c)
        break;
      if (*c == Command::Stop) {
        stopping = true;
        break;
      }
      paused = *c == Command::Pause;
      draft.state = paused ? SweepState::Paused : SweepState::Running;
      publish();
    }
    return !stopping;
  }

  void run() {
    SweepOptions o = options;
    o.log = [this](const std::string& line) { log(line); };
    o.on_stage = [this](const SweepRun& run, const std::string& stage) {
      draft.current = run.index;
      draft.stage = stage;
      draft.step = draft.total_steps = 0;
      log(run.id + ": " + stage);
      publish();
    };
    o.progress = [this](const SweepRun&, const TrainProgress& p) {
      draft.step = p.step;
      draft.total_steps = p.total_steps;
      if (Clock::now() - last_publish > std::chrono::milliseconds(250))
        publish();
    };
    o.count = [this](const SweepRun&, const std::string& what, size_t done, size_t total) {
      draft.stage = what;
      draft.step = static_cast<int64_t>(done);
      draft.total_steps = static_cast<int64_t>(total);
      if (done == total || Clock::now() - last_publish > std::chrono::milliseconds(250))
        publish();
    };
    o.on_result = [this](const std::vector<SweepRunResult>& results) {
      draft.results = results;
      publish();
    };
    o.keep_going = [this] { return keep_going(); };
    draft.state = SweepState::Running;
    try {
      draft.results = read_sweep_results(o.out_dir);
      publish();
      const SweepSummary s = run_sweep(sweep, sweep_dir, o);
      draft.results = s.results;
      draft.state = s.stopped ? SweepState::Stopped : SweepState::Finished;
      log(s.stopped ? "stopped: Start continues the unfinished run"
                    : std::to_string(s.finished) + " runs finished");
    } catch (const std::exception& e) {
      draft.state = SweepState::Failed;
      draft.error = exception_text(e);
      log("failed: " + draft.error);
    }
    draft.current = -1;
    draft.stage.clear();
    publish();
  }
};

SweepSession::SweepSession(SweepConfig sweep, std::string sweep_dir, SweepOptions options,
                           std::function<void()> on_news)
    : impl_(std::make_unique<Impl>()) {
  impl_->sweep = std::move(sweep);
  impl_->sweep_dir = std::move(sweep_dir);
  impl_->options = std::move(options);
  impl_->on_news = std::move(on_news);
}

SweepSession::~SweepSession() {
  if (impl_->worker.joinable()) {
    impl_->commands.post(Command::Stop);
    impl_->worker.join();
  }
}

void SweepSession::start() {
  if (!impl_->worker.joinable())
    impl_->worker = std::thread([this] { impl_->run(); });
}

void SweepSession::pause() {
  impl_->commands.post(Command::Pause);
}

void SweepSession::resume() {
  impl_->commands.post(Command::Resume);
}

void SweepSession::stop() {
  impl_->commands.post(Command::Stop);
}

std::shared_ptr<const SweepSnapshot> SweepSession::snapshot() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->published;
}

bool SweepSession::wait(double timeout_s) const {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  return impl_->cv.wait_for(lock, std::chrono::duration<double>(timeout_s),
                            [&] { return ended(impl_->published->state); });
}

} // namespace mae
