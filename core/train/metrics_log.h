// metrics.jsonl: one JSON object per logged step, beside the checkpoints:
// {"step", "epoch", "loss", "lr", "img_per_s", "steps_per_s", "elapsed_s",
//  "knn_acc" (when the probe ran), "heldout_mse" (when the held-out
//  reconstruction ran), "skipped_images", "skipped_steps"}; a fine-tuning
//  run's also "test_top1" at the end of each epoch.
#pragma once

#include "train/train_progress.h"

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace mae {

constexpr const char* kMetricsName = "metrics.jsonl"; // in a run's folder

struct MetricsRecord {
  int64_t step = 0;
  double epoch = 0;
  std::optional<double> loss, lr, images_per_s, knn_accuracy, heldout_mse;
  std::optional<double> test_top1; // fine-tuning's test accuracy
};

class MetricsLog {
public:
  // A fresh run (`resume_step` < 0) starts the file over; a resumed one keeps
  // the lines up to its step and drops those a killed run wrote after it.
  MetricsLog(std::string path, int64_t resume_step);
  void append(const TrainProgress& p);
  void append_line(const std::string& json); // one object, no newline
  const std::string& path() const { return path_; }
  // Resumed: the whole lines it left out that were no metrics record (a torn
  // last line, a kill's, is not counted), for the run to say so.
  int damaged_lines() const { return damaged_; }

private:
  std::string path_;
  int damaged_ = 0;
  std::ofstream out_;
};

std::string metrics_line(const TrainProgress& p);
// What read_metrics gives back for the line of `p`.
MetricsRecord metrics_record(const TrainProgress& p);
// Skips lines that are not JSON objects with a step (a torn last line),
// counting the non-blank ones in `skipped`. Throws DataError when `path` is
// no regular file.
std::vector<MetricsRecord> read_metrics(const std::string& path, size_t* skipped = nullptr);

} // namespace mae
