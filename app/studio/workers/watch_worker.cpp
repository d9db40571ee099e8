#include "workers/watch_worker.h"

#include "train/run_watch.h"

#include <chrono>
#include <optional>

namespace mae::studio {
namespace {

// A finished or quiet run is looked at once a second; one whose metrics are
// still being read in, a chunk at a time without a pause.
constexpr std::chrono::seconds kLookEvery{1};

} // namespace

WatchWorker::WatchWorker(std::function<void()> wake)
    : news_(std::move(wake)), thread_([this] { run(); }) {}

WatchWorker::~WatchWorker() {
  closing_ = true;
  folders_.close();
  thread_.join();
}

void WatchWorker::follow(const std::string& dir) {
  // Only the newest folder matters: one the user left at once is never read.
  folders_.post_replacing(dir, [](const std::string&) { return true; });
}

void WatchWorker::run() {
  std::unique_ptr<RunWatcher> watcher;
  std::shared_ptr<const TrainingSnapshot> shown;
  bool shown_caught_up = false, progressed = false;
  while (!closing_) {
    // No pause while looks read on and there is more to read; a look that
    // read nothing waits like the others (no spinning on a stuck file).
    const bool reading_in = watcher && !watcher->caught_up() && progressed;
    std::optional<std::string> dir =
        reading_in ? folders_.take()
                   : folders_.wait_for(watcher ? kLookEvery : std::chrono::hours(1));
    if (closing_)
      return;
    if (dir) {
      watcher = dir->empty() ? nullptr : std::make_unique<RunWatcher>(*dir);
      shown.reset();
    }
    if (!watcher)
      continue;
    try {
      const uintmax_t before = watcher->bytes_read();
      auto snapshot = watcher->look();
      progressed = watcher->bytes_read() != before;
      // Unchanged (the same snapshot, the same reading-in state): no news, no redraw.
      if (snapshot == shown && watcher->caught_up() == shown_caught_up)
        continue;
      shown = snapshot;
      shown_caught_up = watcher->caught_up();
      // A snapshot the UI has not taken yet is replaced, not queued beside:
      // a long run's curves are a hundred megabytes a copy.
      news_.post_replacing({watcher->dir(), std::move(snapshot), shown_caught_up, ""},
                           [](const WatchNews& queued) { return queued.error.empty(); });
    } catch (const std::exception& e) { // DataError, or the file system failing under it
      news_.post({watcher->dir(), nullptr, false, e.what()});
      watcher.reset();
    }
  }
}

} // namespace mae::studio
