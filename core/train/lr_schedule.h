// The official MAE learning-rate schedule, per optimizer step: linear warmup
// from 0, then a half-cycle cosine down to min_lr (util/lr_sched.py, with
// fractional epochs replaced by steps).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mae {

struct TrainConfig;

struct LrSchedule {
  double peak_lr = 0;
  double min_lr = 0;
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;

  // The lr used by the update of step `step` (0-based); min_lr from total_steps on.
  double at(int64_t step) const;
};

// A run's length in optimizer steps, once the dataset size is known.
struct TrainingLength {
  int64_t repeats = 1;         // passes over a dataset smaller than a batch, per epoch
  int64_t steps_per_epoch = 0; // full effective batches per epoch (drop_last)
  int64_t total_steps = 0;
  int64_t warmup_steps = 0; // clamped to total_steps
};

// Converts epochs to steps. A dataset with fewer images than one effective
// batch is repeated within each epoch; an empty one throws DataError.
TrainingLength training_length(const TrainConfig& config, size_t dataset_size);

LrSchedule lr_schedule(const TrainConfig& config, const TrainingLength& length);

} // namespace mae
