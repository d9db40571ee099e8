#include "workers/fetch_worker.h"

#include "base/errors.h"

#include <chrono>

namespace mae::studio {

const char* to_string(FetchStatus::State s) {
  switch (s) {
  case FetchStatus::State::Idle:
    return "idle";
  case FetchStatus::State::Running:
    return "running";
  case FetchStatus::State::Done:
    return "done";
  case FetchStatus::State::Failed:
    return "failed";
  case FetchStatus::State::Cancelled:
    return "cancelled";
  }
  return "?";
}

FetchWorker::FetchWorker(std::function<void()> wake)
    : statuses_(std::move(wake)), thread_([this] { run(); }) {}

FetchWorker::~FetchWorker() {
  cancel_ = true;
  jobs_.close();
  thread_.join();
}

void FetchWorker::start(const CatalogEntry& entry, const std::string& cache_dir) {
  if (running_.exchange(true))
    return;
  cancel_ = false;
  jobs_.post({entry, cache_dir});
}

void FetchWorker::cancel() {
  cancel_ = true;
}

void FetchWorker::run() {
  while (std::optional<Job> job = jobs_.wait()) {
    fetch(*job);
    jobs_.done();
    running_ = false;
  }
}

void FetchWorker::fetch(const Job& job) {
  using Clock = std::chrono::steady_clock;
  FetchStatus status;
  status.state = FetchStatus::State::Running;
  status.name = job.entry.name;
  Clock::time_point last_post{};
  FetchOptions options;
  options.cache_dir = job.cache_dir;
  options.cancel = &cancel_;
  options.on_progress = [&](const FetchProgress& p) {
    const bool new_stage = p.stage != status.stage;
    status.stage = p.stage;
    status.bytes = p.bytes;
    // A few updates a second are enough for a progress bar.
    if (new_stage || Clock::now() - last_post > std::chrono::milliseconds(100)) {
      last_post = Clock::now();
      statuses_.post(status);
    }
  };
  statuses_.post(status);
  try {
    status.path = fetch_model(job.entry, options);
    status.state = FetchStatus::State::Done;
  } catch (const std::exception& e) {
    status.state = cancel_ ? FetchStatus::State::Cancelled : FetchStatus::State::Failed;
    status.error = e.what();
  }
  statuses_.post(status);
}

} // namespace mae::studio
