#include "base/config_kind.h"

#include <nlohmann/json.hpp>

#include <initializer_list>

namespace mae {
namespace {

bool has_any(const nlohmann::json& j, std::initializer_list<const char*> keys) {
  for (const char* key : keys)
    if (j.contains(key))
      return true;
  return false;
}

} // namespace

ConfigKind config_kind(const nlohmann::json& j) {
  if (!j.is_object())
    return ConfigKind::Unknown;
  const auto format = j.find("format");
  if (format != j.end() && format->is_string()) {
    if (*format == "mae-studio lesson")
      return ConfigKind::Lesson;
    if (*format == "mae-studio view")
      return ConfigKind::View;
  }
  // Order matters where kinds share a field: a sweep's and a training
  // config's "name", a recipe's and a training config's "batch_size".
  if (j.contains("axes"))
    return ConfigKind::Sweep;
  if (j.contains("model_type") && j.contains("hidden_size"))
    return ConfigKind::HuggingFace;
  if (j.contains("from_scratch_ft")) // its tables have fields named as a model's
    return ConfigKind::PaperTables;
  if (j.contains("models") && j["models"].is_array())
    return ConfigKind::Catalog;
  if (has_any(j, {"embed_dim", "decoder_embed_dim", "decoder_depth"}))
    return ConfigKind::Model;
  if (has_any(j, {"model", "arch", "data", "mask_ratio", "total_steps", "accum_iter"}))
    return ConfigKind::Training;
  if (has_any(j, {"layer_decay", "drop_path", "label_smoothing", "last_blocks"}))
    return ConfigKind::Finetune;
  return ConfigKind::Unknown;
}

std::string describe(ConfigKind kind) {
  switch (kind) {
  case ConfigKind::Training:
    return "a training config (mae train --config FILE, or the app's Training tab)";
  case ConfigKind::Sweep:
    return "a sweep file (mae sweep FILE, or the app's Experiments tab)";
  case ConfigKind::Finetune:
    return "a fine-tuning recipe (mae finetune --recipe FILE)";
  case ConfigKind::Model:
    return "a model architecture (--config FILE beside a checkpoint that has none, or a training "
           "config's \"model\")";
  case ConfigKind::Lesson:
    return "a lesson (mae-studio --lesson FILE)";
  case ConfigKind::View:
    return "a saved view of the app (mae-studio --state FILE)";
  case ConfigKind::Catalog:
    return "a model catalog (mae fetch --catalog FILE)";
  case ConfigKind::PaperTables:
    return "the paper's ablation tables (a sweep's \"reference\", drawn beside its results)";
  case ConfigKind::HuggingFace:
    return "a HuggingFace model's config.json (its folder opens as a model: --model FOLDER)";
  case ConfigKind::Unknown:
    break;
  }
  return "a file of unknown kind";
}

std::string other_kind_hint(const nlohmann::json& j, ConfigKind expected) {
  const ConfigKind kind = config_kind(j);
  if (kind == ConfigKind::Unknown || kind == expected)
    return "";
  return "; the file is " + describe(kind);
}

} // namespace mae
