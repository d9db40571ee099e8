#include "workers/training_setup.h"

#include "base/errors.h"
#include "data/shards.h"
#include "runtime/assets.h"
#include "train/run_plan.h"
#include "train/trainer.h"

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
  return config_dir() + "/train";
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

std::string detect_data_type(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(fs::path(dir) / kShardIndexName, ec))
    return "shards";
  if (fs::exists(fs::path(dir) / "train-images-idx3-ubyte.gz", ec))
    return "fmnist";
  return "folder";
}

TrainingLaunch prepare_training(const TrainingForm& form, std::time_t now) {
  RunRequest request = form;
  // A resumed run continues with the config its checkpoint records.
  if (!form.resume.empty())
    request.config_path.clear();
  else if (form.config_path.empty())
    throw UsageError("choose a training config first");
  std::error_code ec;
  request.runs_root = fs::absolute("runs", ec).string();
  RunPlan plan;
  try {
    plan = plan_run(request, now);
  } catch (const RunFolderInUse& e) {
    throw UsageError(std::string(e.what()) +
                     (e.holds_run() ? ". To continue it, put " + e.dir() +
                                          " in the 'resume' field; to start anew, choose another "
                                          "output folder."
                                    : ". Choose a new or empty output folder."));
  }
  TrainingLaunch launch;
  launch.config = std::move(plan.config);
  launch.config_label = std::move(plan.config_label);
  launch.options.train = std::move(plan.options);
  return launch;
}

} // namespace mae::studio
