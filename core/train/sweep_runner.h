// Runs a sweep (sweep_config.h) into one folder:
//   sweep.json          the sweep as run (its runs' configs resolved)
//   runs/<id>/          each run's training folder (checkpoint, model, metrics),
//                       runs/<id>/finetune/ when fine-tuning is evaluated, and
//                       runs/<id>/evaluations.json: the k-NN and linear probe
//                       results of a run stopped before its fine-tuning ended
//   results.jsonl       one line per finished run (training and evaluations)
//   results.csv         the same as a table
// Stopping (keep_going false) ends the current run at a checkpoint; running
// the sweep again keeps the finished runs and resumes the unfinished one.
// Torch-free header.
#pragma once

#include "train/sweep_config.h"
#include "train/train_progress.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mae {

struct SweepRunResult {
  int index = 0;
  std::string id;
  std::vector<std::string> labels;
  std::vector<nlohmann::json> values;
  std::optional<double> knn, linear_probe, finetune; // top-1 in [0, 1]
  std::optional<double> final_loss;
  int64_t steps = 0;
  double train_seconds = 0, eval_seconds = 0;
  std::string reused_from; // the sweep folder whose identical run this is; empty: run here
};

struct SweepOptions {
  std::string out_dir;
  std::string device = "auto";
  bool force = false; // run into a folder holding a different sweep, replacing it
  // A folder whose sweep differs only in its evaluations (linear_probe.epochs,
  // the list): keep the trained runs, measure them again.
  bool reevaluate = false;
  // Other sweep folders whose finished runs may stand in for this sweep's:
  // a run with the same resolved config and the same evaluation settings is
  // copied, not trained again (training and evaluation are deterministic).
  std::vector<std::string> reuse;
  std::function<void(const std::string&)> log;
  // The run being trained or evaluated ("training", "linear probe", ...).
  std::function<void(const SweepRun&, const std::string& stage)> on_stage;
  std::function<void(const SweepRun&, const TrainProgress&)> progress;
  // Counted work that is not training: the linear probe's feature extraction.
  std::function<void(const SweepRun&, const std::string& what, size_t done, size_t total)> count;
  std::function<void(const std::vector<SweepRunResult>&)> on_result; // after each run
  std::function<bool()> keep_going; // false: stop at the next step, with a checkpoint
};

struct SweepSummary {
  int runs = 0, finished = 0, ran_now = 0;
  bool stopped = false;
  std::vector<SweepRunResult> results; // in run order
};

// Throws ConfigError, DataError, TrainError, UsageError (a folder holding
// another sweep, without force).
SweepSummary run_sweep(const SweepConfig& sweep, const std::string& sweep_dir,
                       const SweepOptions& options);

// The other sweep folders beside `out_dir` (runs/sweeps/*), for SweepOptions::reuse.
std::vector<std::string> sibling_sweeps(const std::string& out_dir);

// The finished runs in a sweep folder (a torn last line is skipped).
std::vector<SweepRunResult> read_sweep_results(const std::string& out_dir);
void write_sweep_csv(const std::string& path, const SweepConfig& sweep,
                     const std::vector<SweepRunResult>& results);

} // namespace mae
