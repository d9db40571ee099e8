// An ablation sweep (configs/sweeps/*.json, `mae sweep`, the Experiments tab):
// a base training config run over the values of one or two of its fields,
// each run followed by the chosen evaluations. Any training-config key can be
// swept, nested ones dotted ("augment.min_scale"); a value may be an object,
// merged into that field (an augmentation preset). Torch-free.
//
//   {"name": "fig5_mask_ratio", "title": "Masking ratio (paper Fig. 5)",
//    "base": "../train/fmnist_tiny.json", "overrides": {"total_steps": 1500},
//    "axes": [{"field": "mask_ratio", "values": [0.1, 0.25, 0.5, 0.75, 0.9]}],
//    "evaluations": ["knn", "linear_probe", "finetune"],
//    "linear_probe": {"epochs": 30, "max_train": 10000},
//    "finetune": {"epochs": 1, "max_train": 10000},
//    "reference": {"file": "paper_ablations.json", "table": "decoder_depth"}}
#pragma once

#include "base/config_kind.h"

#include "train/finetune_config.h"
#include "train/train_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mae {

struct SweepAxis {
  std::string field; // a training-config key, dotted when nested
  std::vector<nlohmann::json> values;
  std::vector<std::string> labels; // one per value; default: the value as written
};

struct SweepProbeSettings { // the linear probe after each run
  int epochs = 30;
  int batch_size = 1024;
  double blr = 1.6;
  int64_t max_train = 10000;
  int64_t max_test = 0;
};

// The paper's numbers for the same ablation, drawn on the plot as a separate,
// labelled series: a table of the shipped paper_ablations.json.
struct SweepReference {
  std::string file; // relative to the sweep file
  std::string table;
  std::string note; // without a file: why the paper's numbers are not drawn
};

struct SweepConfig {
  static constexpr ConfigKind kKind = ConfigKind::Sweep; // what parse_config_json expects
  std::string name, title;
  std::string base;         // the training config, relative to the sweep file
  nlohmann::json overrides; // merged into the base before each run's values
  std::vector<SweepAxis> axes;
  std::vector<std::string> evaluations; // "knn", "linear_probe", "finetune"
  SweepProbeSettings linear_probe;
  FinetuneConfig finetune;
  SweepReference reference; // empty file: none
  // What the shipped runs found against the paper (docs/ablations.md), for
  // the Experiments tab: words for the reader, not part of the experiment.
  std::string findings;

  bool evaluates(const std::string& protocol) const;
  // Throws ConfigError naming the field.
  void validate() const;
};

void to_json(nlohmann::json& j, const SweepConfig& c);
void from_json(const nlohmann::json& j, SweepConfig& c);

// One training run of a sweep: its place, labels and resolved config.
struct SweepRun {
  int index = 0;
  std::string id;                  // the run's folder: "03-mask_ratio=0.5"
  std::vector<std::string> labels; // one per axis
  std::vector<nlohmann::json> values;
  TrainConfig config;
};

// Reads and validates a sweep file and its base config. Throws ConfigError
// naming the file and field.
SweepConfig load_sweep(const std::string& path);

// Every run, in order (the first axis outermost). `sweep_dir` resolves the
// base config. Each run's config is validated: ConfigError names the run
// and field.
std::vector<SweepRun> expand_sweep(const SweepConfig& sweep, const std::string& sweep_dir);

// A first look in minutes (`mae sweep --quick`, the Experiments tab's "quick
// evaluations"): the evaluations on at most a fifth of the images, their
// numbers noisier than the tables in docs/ablations.md. The runs train as
// before; `sweep_dir` resolves the base config.
void make_quick(SweepConfig& sweep, const std::string& sweep_dir);

// Where a sweep writes unless told: runs/sweeps/<name>, or <name>-quick.
std::string default_sweep_dir(const SweepConfig& sweep, bool quick);

// The base config with `overrides` and the run's field values merged in (JSON).
nlohmann::json sweep_run_json(const nlohmann::json& base, const SweepConfig& sweep,
                              const std::vector<nlohmann::json>& values);

} // namespace mae
