// From a run request (`mae train` flags, the app's Training form) to the
// resolved config and trainer options: the one place that decides which
// config a run uses, where it writes, and what it resumes from.
//
// The rules:
// - Resuming takes a run folder or its checkpoint.safetensors; the run's
//   config is the one its checkpoint records, unless a config file is given
//   (the trainer then checks that model and seed match).
// - Output folder: the one asked for; else, when resuming, the resumed run's
//   folder; else <runs_root>/<config name>-<YYYYmmdd-HHMMSS> (local time), so
//   that running the same command twice never writes into the same folder.
// - A run never writes into a folder that holds another run (its checkpoint
//   would be replaced), nor into one that holds anything but a run's files
//   (a home folder, a project: the run's files would mix with the user's),
//   unless `force` is set: only a resume continues a run in its own folder.
// - Overrides (steps, data) are applied, then the config is validated, errors
//   naming the file it came from.
#pragma once

#include "base/errors.h"
#include "train/train_config.h"
#include "train/trainer.h"

#include <cstdint>
#include <ctime>
#include <string>

namespace mae {

struct RunRequest {
  std::string config_path; // a training config; optional when resuming
  std::string resume;      // a run folder or its checkpoint.safetensors
  std::string out_dir;     // empty: see the rules above
  int64_t steps = 0;       // > 0: total optimizer steps, replacing total_steps / epochs
  int64_t batch_size = 0;  // > 0: images a step in each process, replacing batch_size
  std::string data_type;   // non-empty: replaces data.type
  std::string data_path;   // non-empty: replaces data.path
  std::string device = "auto";
  std::string runs_root = "runs";
  bool force = false; // start a new run in a folder that holds one, replacing it
};

// A new run aimed at a folder that holds one, files of the names a run writes
// that are not a run's, or files of the user's (a run would write beside
// them). The message says what is in the way; each front end adds how to go
// on in its own words (a flag, a field).
class RunFolderInUse : public UsageError {
public:
  enum class Holds { Run, FilesARunWrites, OtherFiles };
  RunFolderInUse(std::string dir, const std::string& what, Holds holds = Holds::Run)
      : UsageError(what), dir_(std::move(dir)), holds_(holds) {}
  const std::string& dir() const { return dir_; }
  bool holds_run() const { return holds_ == Holds::Run; }
  Holds holds() const { return holds_; }

private:
  std::string dir_;
  Holds holds_;
};

struct RunPlan {
  TrainConfig config;       // resolved and validated
  TrainOptions options;     // out_dir, resume (the checkpoint file) and device
  std::string config_label; // where the config came from, for messages
};

// Throws UsageError (nothing to run, no checkpoint to resume), ConfigError
// naming the file and field, CheckpointError.
RunPlan plan_run(const RunRequest& request, std::time_t now);

// The checkpoint a resume path names: PATH/checkpoint.safetensors for a
// folder, else PATH itself.
std::string resume_checkpoint(const std::string& resume);

// The run folder a checkpoint file sits in ("." for a bare file name).
std::string checkpoint_run_dir(const std::string& checkpoint);

// <runs_root>/<name>-<YYYYmmdd-HHMMSS> in local time.
std::string default_run_dir(const std::string& runs_root, const std::string& name, std::time_t now);

} // namespace mae
