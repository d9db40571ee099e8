#include "train/run_plan.h"

#include "base/config_json.h"
#include "base/config_kind.h"
#include "base/errors.h"
#include "base/folder_lock.h"
#include "base/foreign_files.h"
#include "base/name_list.h"
#include "data/written_by_mae.h"
#include "formats/atomic_file.h"
#include "formats/safetensors.h"
#include "train/metrics_log.h"
#include "train/preview_file.h"
#include "train/tensorboard_log.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace mae {
namespace fs = std::filesystem;

std::string resume_checkpoint(const std::string& resume) {
  std::error_code ec;
  return fs::is_directory(resume, ec) ? (fs::path(resume) / kTrainStateName).string() : resume;
}

std::string checkpoint_run_dir(const std::string& checkpoint) {
  const fs::path dir = fs::path(checkpoint).parent_path();
  return dir.empty() ? "." : dir.string();
}

std::string default_run_dir(const std::string& runs_root, const std::string& name,
                            std::time_t now) {
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return (fs::path(runs_root) / (name + "-" + stamp)).string();
}

namespace {

// The config a checkpoint was trained with.
TrainConfig recorded_config(const std::string& checkpoint, const std::string& resume) {
  std::error_code ec;
  if (fs::is_regular_file(checkpoint + kReplacedSuffix, ec) && !fs::exists(checkpoint, ec))
    throw CheckpointError("cannot resume from " + resume +
                          ": a new run started there with "
                          "--force stopped before its first checkpoint; the run it replaced is " +
                          checkpoint + kReplacedSuffix + ": rename it and model.safetensors" +
                          kReplacedSuffix + " back (drop " + kReplacedSuffix +
                          ") to resume that one");
  if (!fs::is_regular_file(checkpoint, ec))
    throw CheckpointError("cannot resume from " + resume + ": " + checkpoint +
                          " does not exist (not a run folder?)"); // a missing input, as --config's
  const SafetensorsFile f = read_safetensors(checkpoint);
  auto it = f.metadata.find("train_config");
  if (it == f.metadata.end())
    throw UsageError(checkpoint + " records no training config: give a config file");
  return parse_train_config(it->second, checkpoint + " metadata");
}

void apply_overrides(const RunRequest& r, TrainConfig& c) {
  if (r.steps < 0)
    throw UsageError("the number of steps must be positive");
  if (r.batch_size < 0)
    throw UsageError("the batch size must be positive");
  if (r.steps > 0) {
    c.total_steps = r.steps;
    c.epochs = 0;
  }
  if (r.batch_size > 0) // too large a value stays too large for validate() to name
    c.batch_size = static_cast<int>(std::min<int64_t>(r.batch_size, 1 << 30));
  if (!r.data_type.empty())
    c.data.type = r.data_type;
  if (!r.data_path.empty())
    c.data.path = r.data_path;
}

bool is_training_config(const fs::path& file) {
  try {
    return config_kind(parse_json_or_discarded(read_config_file(file.string(), "file"))) ==
           ConfigKind::Training;
  } catch (const Error&) { // unreadable
    return false;
  }
}

// Empty, or its first line a logged step, as MetricsLog writes them.
bool is_metrics_log(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line))
    return true;
  const auto j = parse_json_or_discarded(line);
  return j.is_object() && j.contains("step");
}

// The files a run writes that are there but not a run's: a HuggingFace
// model's config.json, a model or a log mae did not write.
std::vector<std::string> others_files(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  const auto there = [&](const char* name) { return fs::is_regular_file(dir / name, ec); };
  if (there("config.json") && !is_training_config(dir / "config.json"))
    found.push_back("config.json");
  for (const char* model : {"model.safetensors", "best_model.safetensors"})
    if (there(model) && !written_by_mae((dir / model).string()))
      found.push_back(model);
  if (there(kMetricsName) && !is_metrics_log(dir / kMetricsName))
    found.push_back(kMetricsName);
  return found;
}

// The names of a run's files: what a killed run (or a finished one's
// curves.png) may have left.
bool is_run_file(const std::string& name) {
  static const std::set<std::string> names = [] {
    std::set<std::string> n = {"config.json", kMetricsName, kFolderLockName, "curves.png"};
    for (const char* file : kReplaceableRunFiles) {
      n.insert(file);
      n.insert(std::string(file) + kReplacedSuffix); // set aside by a --force start
    }
    return n;
  }();
  return names.count(name) || is_tensorboard_event_file(name) || is_temp_name(name);
}

// A folder that holds anything else is the user's (a home folder, a project):
// a run's files are not to be mixed into it unasked.
void refuse_others_folder(const std::string& dir) {
  const std::vector<std::string> others = foreign_files(dir, is_run_file);
  if (others.empty())
    return;
  throw RunFolderInUse(dir,
                       dir + " is not empty and holds no run (" + short_name_list(others) +
                           "): a run's files would be mixed with them",
                       RunFolderInUse::Holds::OtherFiles);
}

// A new run in `dir` would replace the checkpoint and model of the run there,
// or files of the same names that are not a run's (a model folder given as --out).
void refuse_to_replace_a_run(const std::string& dir) {
  if (const auto others = others_files(dir); !others.empty()) {
    std::string names;
    for (const std::string& n : others)
      names += (names.empty() ? "" : ", ") + n;
    throw RunFolderInUse(dir,
                         dir + " is no run folder but holds files a run writes (" + names +
                             "): a new run there would replace them",
                         RunFolderInUse::Holds::FilesARunWrites);
  }
  const fs::path checkpoint = fs::path(dir) / kTrainStateName;
  std::error_code ec;
  const std::string set_aside = checkpoint.string() + kReplacedSuffix;
  if (!fs::exists(checkpoint, ec) && fs::exists(set_aside, ec))
    throw RunFolderInUse(dir,
                         dir + " holds the run a --force start there replaced, set aside as " +
                             set_aside +
                             " (that start stopped before its first checkpoint): "
                             "a new run would remove it",
                         RunFolderInUse::Holds::FilesARunWrites);
  if (!fs::exists(checkpoint, ec)) {
    refuse_others_folder(dir);
    return;
  }
  std::string at;
  try {
    const auto meta = read_safetensors(checkpoint.string()).metadata;
    if (auto it = meta.find("step"); it != meta.end())
      at = " at step " + it->second;
  } catch (const Error&) {
  }
  throw RunFolderInUse(dir, dir + " holds a training run (" + checkpoint.string() + at +
                                "); a new run there would replace its checkpoint and model");
}

} // namespace

RunPlan plan_run(const RunRequest& r, std::time_t now) {
  RunPlan plan;
  const std::string checkpoint = r.resume.empty() ? "" : resume_checkpoint(r.resume);
  if (!r.config_path.empty()) {
    plan.config = load_train_config(r.config_path);
    plan.config_label = r.config_path;
  } else if (!checkpoint.empty()) {
    plan.config = recorded_config(checkpoint, r.resume);
    plan.config_label = checkpoint;
  } else {
    throw UsageError("give a training config (or a run to resume)");
  }
  apply_overrides(r, plan.config);
  try {
    plan.config.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(plan.config_label + ": " + e.what());
  }

  std::string out = r.out_dir;
  if (out.empty() && !checkpoint.empty())
    out = checkpoint_run_dir(checkpoint);
  if (out.empty()) {
    const std::string name =
        plan.config.name.empty() ? fs::path(r.config_path).stem().string() : plan.config.name;
    out = default_run_dir(r.runs_root, name, now);
  }
  // Continuing a run in place is the one way to write into a run folder.
  std::error_code ec;
  const bool in_place =
      !checkpoint.empty() && fs::equivalent(checkpoint_run_dir(checkpoint), out, ec);
  require_folder_path(out);
  if (!in_place && !r.force)
    refuse_to_replace_a_run(out);
  plan.options.out_dir = out;
  plan.options.resume = checkpoint;
  plan.options.device = r.device;
  return plan;
}

} // namespace mae
