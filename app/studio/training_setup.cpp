#include "training_setup.h"

#include "mae/assets.h"
#include "mae/errors.h"
#include "mae/shards.h"
#include "mae/trainer.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace mae::studio {
namespace fs = std::filesystem;

std::string train_configs_dir() {
  if (const char* env = std::getenv("MAE_STUDIO_CONFIGS"))
    return env;
  std::error_code ec;
  const fs::path beside_assets = fs::path(asset_dir()).parent_path() / "configs" / "train";
  if (fs::is_directory(beside_assets, ec))
    return beside_assets.lexically_normal().string();
  return MAE_SOURCE_DIR "/configs/train";
}

std::vector<std::string> find_train_configs(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json" && entry.is_regular_file(ec))
      out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string preferred_train_config(const std::vector<std::string>& configs) {
  for (const std::string& c : configs)
    if (fs::path(c).stem() == "fmnist_tiny")
      return c;
  return configs.empty() ? "" : configs.front();
}

std::string default_run_dir(const std::string& runs_root, const std::string& name,
                            std::time_t now) {
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return (fs::path(runs_root) / (name + "-" + stamp)).string();
}

std::string detect_data_type(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(fs::path(dir) / kShardIndexName, ec))
    return "shards";
  if (fs::exists(fs::path(dir) / "train-images-idx3-ubyte.gz", ec))
    return "fmnist";
  return "folder";
}

std::string resume_run_dir(const std::string& resume) {
  std::error_code ec;
  return fs::is_directory(resume, ec) ? resume : fs::path(resume).parent_path().string();
}

TrainingLaunch prepare_training(const TrainingForm& form, std::time_t now) {
  TrainingLaunch launch;
  std::string run_dir = form.out_dir;
  if (!form.resume.empty()) {
    // The run's own resolved config: resuming checks that the model and seed match it.
    run_dir = resume_run_dir(form.resume);
    const fs::path saved = fs::path(run_dir) / "config.json";
    std::error_code ec;
    if (!fs::exists(saved, ec))
      throw UsageError("cannot resume from " + form.resume + ": " + saved.string() +
                       " does not exist (not a run directory?)");
    launch.config = load_train_config(saved.string());
  } else {
    if (form.config_path.empty())
      throw UsageError("choose a training config first");
    launch.config = load_train_config(form.config_path);
  }
  TrainConfig& c = launch.config;
  if (!form.data_type.empty())
    c.data.type = form.data_type;
  if (!form.data_path.empty())
    c.data.path = form.data_path;
  if (form.steps > 0) {
    c.total_steps = form.steps;
    c.epochs = 0;
  }
  const std::string label = form.resume.empty() ? form.config_path : run_dir + "/config.json";
  try {
    c.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(label + ": " + e.what());
  }
  if (run_dir.empty()) {
    const std::string name = c.name.empty() ? fs::path(form.config_path).stem().string() : c.name;
    std::error_code ec;
    run_dir = default_run_dir(fs::absolute("runs", ec).string(), name, now);
  }
  launch.options.train.out_dir = run_dir;
  launch.options.train.resume = form.resume;
  launch.options.train.device = form.device;
  return launch;
}

} // namespace mae::studio
