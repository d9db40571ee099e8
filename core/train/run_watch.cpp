#include "train/run_watch.h"

#include "base/errors.h"
#include "base/plural.h"
#include "formats/safetensors.h"
#include "train/metrics_log.h"
#include "train/preview_file.h"
#include "train/train_config.h"
#include "train/trainer.h"

namespace mae {
namespace fs = std::filesystem;
namespace {

// The step the run's checkpoint holds (-1: none yet, or unreadable mid-write).
int64_t checkpoint_step(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec))
    return -1;
  try {
    const auto meta = read_safetensors(file.string()).metadata;
    const auto it = meta.find("step");
    return it == meta.end() ? -1 : std::stoll(it->second);
  } catch (const std::exception&) {
    return -1;
  }
}

} // namespace

TrainingSnapshot watch_run(const std::string& dir, fs::file_time_type now) {
  const fs::path run(dir), metrics = run / kMetricsName, config = run / "config.json";
  std::error_code ec;
  if (!fs::is_regular_file(metrics, ec) || !fs::is_regular_file(config, ec))
    throw DataError(dir + " holds no training run (no " + std::string(kMetricsName) +
                    " and config.json): choose the folder mae train writes");
  TrainingSnapshot s;
  s.out_dir = dir;
  s.checkpoint_path = (run / kTrainStateName).string();
  s.model_path = (run / kTrainModelName).string();
  s.total_steps = load_train_config(config.string()).total_steps;
  for (const MetricsRecord& r : read_metrics(metrics.string())) {
    s.step = r.step;
    s.epoch = r.epoch;
    add_to_curves(s, r);
  }
  try { // the previews at the last probe; one caught mid-write waits for the next look
    PreviewFile previews = read_preview_file((run / kPreviewFileName).string());
    s.previews = std::move(previews.previews);
    s.preview_step = previews.step;
  } catch (const CheckpointError&) {
  }
  const int64_t saved = checkpoint_step(run / kTrainStateName);
  const auto quiet = now - fs::last_write_time(metrics, ec);
  const auto quiet_s = std::chrono::duration_cast<std::chrono::seconds>(quiet).count();
  if (s.total_steps > 0 && saved >= s.total_steps) {
    s.state = TrainingState::Finished;
    s.message = "watching " + dir + ": finished, " + count_of(saved, "step");
  } else if (!ec && quiet < kStaleAfter) {
    s.state = TrainingState::Running;
    s.message = "watching " + dir + ": running, step " + std::to_string(s.step) +
                (s.total_steps > 0 ? " of " + std::to_string(s.total_steps) : std::string());
  } else {
    s.state = TrainingState::Idle;
    s.message = "watching " + dir + ": stale, no new metrics for " + std::to_string(quiet_s) +
                " s (stopped or crashed?); last checkpoint at step " +
                (saved >= 0 ? std::to_string(saved) : std::string("none"));
  }
  return s;
}

} // namespace mae
