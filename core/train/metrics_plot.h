// A training-curve figure from metrics.jsonl: loss (log scale) and, beside
// it, the k-NN accuracy (pre-training), else the test accuracy (fine-tuning),
// else the held-out reconstruction error, against the step; drawn with OpenCV
// so that the CLI needs no plotting library.
#pragma once

#include "data/image.h"
#include "train/metrics_log.h"

#include <string>
#include <vector>

namespace mae {

// RGB, `width` x `height`. Throws DataError when there is nothing to plot.
Image plot_metrics(const std::vector<MetricsRecord>& records, const std::string& title,
                   int width = 1200, int height = 480);

} // namespace mae
