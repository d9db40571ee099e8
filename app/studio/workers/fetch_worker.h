// Model > Get models...: downloads and converts one catalog model at a time on
// its own thread (fetch_model: libcurl, then the checkpoint conversion). The UI
// only posts a start or a cancel and takes the published progress, through
// the same Mailbox every worker uses.
#pragma once

#include "fetch/model_cache.h"
#include "runtime/mailbox.h"
#include "workers/fetch_status.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace mae::studio {

class FetchWorker {
public:
  // `wake` runs on the worker after each published status (the app posts an
  // empty GLFW event so the UI redraws).
  explicit FetchWorker(std::function<void()> wake);
  ~FetchWorker(); // cancels a fetch under way (its part is kept) and joins

  // Ignored while one is running: one download at a time.
  void start(const CatalogEntry& entry, const std::string& cache_dir);
  void cancel();
  bool running() const { return running_; }
  // Statuses published since the last call, oldest first.
  std::vector<FetchStatus> take_statuses() { return statuses_.take_all(); }

private:
  struct Job {
    CatalogEntry entry;
    std::string cache_dir;
  };
  void run();
  void fetch(const Job& job);

  Mailbox<Job> jobs_;
  Mailbox<FetchStatus> statuses_;
  std::atomic<bool> cancel_{false}, running_{false};
  std::thread thread_;
};

} // namespace mae::studio
