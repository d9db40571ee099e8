// The Training tab's "Follow a run": a RunWatcher on its own thread, so that
// reading a run's files (hundreds of megabytes of metrics, a checkpoint on a
// slow or hung shared file system) never holds up a frame. The UI posts the
// folder to follow and takes what the worker publishes, through the same
// Mailbox every worker uses.
#pragma once

#include "runtime/mailbox.h"
#include "train/training_session.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace mae::studio {

// What the worker saw in `dir`: a snapshot, or why the folder cannot be
// followed (then it stops following it).
struct WatchNews {
  std::string dir;
  std::shared_ptr<const TrainingSnapshot> snapshot;
  bool caught_up = false; // every metrics byte written so far is in the snapshot
  std::string error;
};

class WatchWorker {
public:
  // `wake` runs on the worker after each publication (the app posts an empty
  // GLFW event so the UI redraws).
  explicit WatchWorker(std::function<void()> wake);
  ~WatchWorker(); // joins

  // Follows `dir` from now on (an empty one: nothing), read in from its start.
  void follow(const std::string& dir);
  // Published since the last call, oldest first.
  std::vector<WatchNews> take_news() { return news_.take_all(); }

private:
  void run();

  Mailbox<std::string> folders_;
  Mailbox<WatchNews> news_;
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

} // namespace mae::studio
