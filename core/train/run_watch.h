// Following a run that another process trains (`mae train` here, or a
// torchrun job on a cluster writing to a shared file system): its curves and
// status from the files rank 0 writes, read-only. Torch-free.
#pragma once

#include "train/training_session.h"

#include <chrono>
#include <filesystem>
#include <string>

namespace mae {

// Without a new metrics line for this long, a run that has not reached its
// last step is taken to have stopped or crashed.
constexpr std::chrono::seconds kStaleAfter{120};

// The run in `dir` as a snapshot: its metrics curves, step and total, and a
// state: Finished once its checkpoint holds the last step, Running while its
// metrics grow, else Idle with a message saying it went quiet. `now` is the
// file clock's time. Throws DataError when `dir` holds no run.
TrainingSnapshot
watch_run(const std::string& dir,
          std::filesystem::file_time_type now = std::filesystem::file_time_type::clock::now());

} // namespace mae
