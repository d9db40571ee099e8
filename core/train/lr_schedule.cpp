#include "train/lr_schedule.h"

#include "base/errors.h"
#include "train/train_config.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace mae {

double LrSchedule::at(int64_t step) const {
  if (step < warmup_steps)
    return peak_lr * static_cast<double>(step) / static_cast<double>(warmup_steps);
  if (step >= total_steps)
    return min_lr;
  const double progress =
      static_cast<double>(step - warmup_steps) / static_cast<double>(total_steps - warmup_steps);
  return min_lr + (peak_lr - min_lr) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

TrainingLength training_length(const TrainConfig& c, size_t dataset_size) {
  TrainingLength t;
  if (dataset_size == 0)
    throw DataError("the dataset has no images");
  // A dataset smaller than a batch is repeated within the epoch (each copy
  // gets its own crop), so a small photo corpus still fills large batches.
  const auto size = static_cast<int64_t>(dataset_size);
  t.repeats = std::max<int64_t>(1, (c.effective_batch() + size - 1) / size);
  t.steps_per_epoch = size * t.repeats / c.effective_batch();
  const auto epochs_to_steps = [&](double epochs) {
    return static_cast<int64_t>(std::llround(epochs * static_cast<double>(t.steps_per_epoch)));
  };
  t.total_steps =
      c.total_steps > 0 ? c.total_steps : std::max<int64_t>(1, epochs_to_steps(c.epochs));
  t.warmup_steps = c.warmup_steps > 0 ? c.warmup_steps : epochs_to_steps(c.warmup_epochs);
  t.warmup_steps = std::min(t.warmup_steps, t.total_steps);
  if (t.total_steps > kMaxTrainSteps)
    throw ConfigError("config field 'epochs': " + std::to_string(t.total_steps) +
                      " steps on this data set is more than any run reaches");
  return t;
}

LrSchedule lr_schedule(const TrainConfig& c, const TrainingLength& length) {
  return {c.peak_lr(), c.min_lr, length.warmup_steps, length.total_steps};
}

} // namespace mae
