// Following a run that another process trains (`mae train` here, or a
// torchrun job on a cluster writing to a shared file system): its curves and
// status from the files rank 0 writes, read-only. Torch-free.
#pragma once

#include "train/training_session.h"

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace mae {

// Without a new metrics line for this long, a run that has not reached its
// last step is taken to have stopped or crashed.
constexpr std::chrono::seconds kStaleAfter{120};

// A run's folder, looked at again and again: each look reads only what its
// files gained since the last (a long run's metrics.jsonl is hundreds of
// megabytes, its checkpoint gigabytes), at most `chunk_bytes` of metrics a
// look, so that a frame never waits on the whole file.
class RunWatcher {
public:
  using Clock = std::chrono::steady_clock;
  explicit RunWatcher(std::string dir, size_t chunk_bytes = size_t{8} << 20);

  // The run as a snapshot: its curves, step and total, and a state: Finished
  // once its checkpoint holds the last step, Running while its metrics grow,
  // else Idle with a message saying it went quiet. Quiet is timed by this
  // machine's steady clock from the last change seen (a shared file
  // system's clock may be minutes off); `file_now` (the file clock's time)
  // dates only the first look's metrics. The same snapshot while nothing
  // changed. Throws DataError naming the file when `dir` holds no run.
  std::shared_ptr<const TrainingSnapshot>
  look(Clock::time_point now = Clock::now(),
       std::filesystem::file_time_type file_now = std::filesystem::file_time_type::clock::now());

  const std::string& dir() const { return dir_; }
  // Every metrics byte written by the last look has been read.
  bool caught_up() const { return caught_up_; }
  // Metrics bytes read so far: a look that moves it made progress.
  uintmax_t bytes_read() const { return offset_; }

private:
  struct Mark { // what tells a file changed
    uintmax_t size = 0;
    std::filesystem::file_time_type mtime{};
    ino_t inode = 0;
    bool operator==(const Mark& o) const {
      return size == o.size && mtime == o.mtime && inode == o.inode;
    }
  };
  static Mark mark_of(const std::filesystem::path& file);
  void require_run() const;
  bool read_metrics_since(const Mark& now_mark);
  bool take_line(const std::string& line);
  bool read_checkpoint_and_previews();
  void state_at(Clock::time_point now);

  std::string dir_;
  size_t chunk_bytes_;
  TrainingSnapshot draft_;
  std::shared_ptr<const TrainingSnapshot> shown_;
  Mark metrics_, config_, checkpoint_, previews_;
  bool looked_ = false, caught_up_ = false, skipping_line_ = false;
  uintmax_t offset_ = 0;
  std::string partial_; // the last line, not yet ended
  int64_t saved_step_ = -1;
  int64_t unread_lines_ = 0;    // lines no run writes, passed over
  std::string preview_problem_; // why previews.safetensors could not be read
  Clock::time_point last_change_{};
};

} // namespace mae
