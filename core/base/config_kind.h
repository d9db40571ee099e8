// Which of MAE Studio's JSON files a parsed file is, by the fields only that
// kind has: a sweep handed to `mae train`, or a training config to `mae sweep`,
// is then named as what it is, with the command that reads it, instead of
// "unknown config field 'axes'".
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace mae {

enum class ConfigKind {
  Unknown,
  Training,
  Sweep,
  Finetune,
  Model,
  Lesson,
  View,
  Catalog,
  PaperTables,
  HuggingFace // a HuggingFace model's config.json
};

ConfigKind config_kind(const nlohmann::json& j);

// "a sweep file (mae sweep FILE, or the app's Experiments tab)".
std::string describe(ConfigKind kind);

// "; the file is a sweep file (mae sweep FILE, ...)" when `j` is plainly
// another kind than `expected`, else "".
std::string other_kind_hint(const nlohmann::json& j, ConfigKind expected);

} // namespace mae
