// From the Training form to a TrainingSession's config and options: where
// the shipped configs are, what a new run directory is called, and what kind
// of data a folder holds. GL-free, so the tests check it directly.
#pragma once

#include "ui_state.h"

#include "mae/train_config.h"
#include "mae/training_session.h"

#include <ctime>
#include <string>
#include <vector>

namespace mae::studio {

// configs/train: $MAE_STUDIO_CONFIGS, else next to the assets
// (asset_dir()/../configs/train), else the source tree's.
std::string train_configs_dir();

// The *.json files in `dir`, sorted by name; none when it does not exist.
std::vector<std::string> find_train_configs(const std::string& dir);

// The config the form starts with: fmnist_tiny (it needs no data set-up),
// else the first one; "" when there are none.
std::string preferred_train_config(const std::vector<std::string>& configs);

// <runs_root>/<name>-<YYYYmmdd-HHMMSS> in local time.
std::string default_run_dir(const std::string& runs_root, const std::string& name, std::time_t now);

// "shards" when `dir` holds a `mae pack` index, "fmnist" when it holds the
// Fashion-MNIST IDX files, else "folder".
std::string detect_data_type(const std::string& dir);

// Where a run is continued from: a run directory or its checkpoint file.
std::string resume_run_dir(const std::string& resume);

struct TrainingLaunch {
  TrainConfig config;
  TrainingSessionOptions options;
};

// The form's config with its overrides (data, steps), validated, and the
// session options (output directory, resume, device). A resumed run keeps
// its directory and its own config.json. Throws ConfigError naming the file
// and field, or UsageError.
TrainingLaunch prepare_training(const TrainingForm& form, std::time_t now);

} // namespace mae::studio
