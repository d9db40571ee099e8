// What a logged training step reports: metrics.jsonl, the progress bar and
// the GUI's curves all read it. Torch-free.
#pragma once

#include <cstdint>
#include <optional>

namespace mae {

// What a logged step reports (metrics.jsonl, progress bar, GUI curves).
struct TrainProgress {
  int64_t step = 0, total_steps = 0;
  double epoch = 0;
  // Mean loss over the steps since the last report; absent on a report with
  // no steps (the probe at initialisation), as are lr and the rates.
  std::optional<double> loss;
  double lr = 0;           // of the last step
  double images_per_s = 0; // since the last report
  double steps_per_s = 0;
  double elapsed_s = 0; // this process's training time
  double eta_s = 0;
  std::optional<double> knn_accuracy; // when the probe ran at this step
  std::optional<double> heldout_mse;  // held-out masked-region MSE, when it ran (recon_eval_every)
  int64_t skipped_images = 0;         // unreadable images replaced so far
  int64_t skipped_steps = 0;          // non-finite steps skipped (skip_nonfinite)
};

} // namespace mae
