// A sweep's figure, shaped like the paper's: the swept values along x, top-1
// accuracy on y, one line per evaluation protocol (and per value of a second
// axis), and the paper's ImageNet numbers for the same ablation as separate,
// dashed and labelled series.
#pragma once

#include "data/image.h"
#include "train/sweep_runner.h"

#include <string>
#include <vector>

namespace mae {

struct ReferenceSeries {
  std::string label;                             // "paper, fine-tuning (ImageNet ViT-L, Table 1a)"
  std::string protocol;                          // "finetune" | "linear_probe"
  std::vector<std::pair<size_t, double>> points; // (position on the first axis, accuracy in [0, 1])
};

// The table `sweep.reference` names, matched to the first axis by value or
// label; empty when the sweep has none. Throws ConfigError when the file or
// table cannot be read.
std::vector<ReferenceSeries> read_reference(const SweepConfig& sweep, const std::string& sweep_dir);

// RGB. Unfinished runs are simply missing points. The text is drawn at
// `text_scale` whatever the size (the app draws it at the size it shows it,
// larger in Present mode); UsageError outside 64..8192 px or scale 0.5..4.
Image plot_sweep(const SweepConfig& sweep, const std::vector<SweepRunResult>& results,
                 const std::vector<ReferenceSeries>& reference, int width = 1000, int height = 560,
                 double text_scale = 1.0);

} // namespace mae
