// What every JSON config loader does: read the file, parse it, convert with
// from_json, validate, and prefix errors with where the config came from.
#pragma once

#include "mae/errors.h"

#include <nlohmann/json.hpp>

#include <string>

namespace mae {

// The file's text; ConfigError("cannot open <what> '<path>'") when unreadable.
std::string read_config_file(const std::string& path, const std::string& what);

// `Config` has from_json and validate(); errors are ConfigErrors prefixed with `label`.
template <typename Config>
Config parse_config_json(const std::string& text, const std::string& label) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(label + ": not valid JSON: " + e.what());
  }
  Config c;
  try {
    from_json(j, c);
    c.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(label + ": " + e.what());
  }
  return c;
}

} // namespace mae
