// From the Training form to a TrainingSession's config and options: where
// the shipped configs are, what a new run directory is called, and what kind
// of data a folder holds. GL-free, so the tests check it directly.
#pragma once

#include "ui_state.h"

#include "train/run_plan.h"
#include "train/train_config.h"
#include "train/training_session.h"

#include <ctime>
#include <string>
#include <vector>

namespace mae::studio {

// configs/train: $MAE_STUDIO_CONFIGS, else next to the assets
// (asset_dir()/../configs/train), else the installation's or source tree's
// (config_dir()/train).
std::string train_configs_dir();

// The *.json files in `dir`, sorted by name; none when it does not exist.
std::vector<std::string> find_train_configs(const std::string& dir);

// The config the form starts with: fmnist_tiny (it needs no data set-up),
// else the first one; "" when there are none.
std::string preferred_train_config(const std::vector<std::string>& configs);

// "shards" when `dir` holds a `mae pack` index, "fmnist" when it holds the
// Fashion-MNIST IDX files, else "folder".
std::string detect_data_type(const std::string& dir);

struct TrainingLaunch {
  TrainConfig config;
  std::string config_label; // the file the config came from
  TrainingSessionOptions options;
};

// The form as a run request (train/run_plan.h: the same rules as `mae
// train`; new runs go to ./runs/<name>-<time>), with the session options.
// Throws ConfigError naming the file and field, UsageError, CheckpointError.
TrainingLaunch prepare_training(const TrainingForm& form, std::time_t now);

} // namespace mae::studio
