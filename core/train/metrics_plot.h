// A training-curve figure from metrics.jsonl: loss (log scale) and k-NN
// accuracy against the step, side by side, drawn with OpenCV so that the CLI
// needs no plotting library.
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
