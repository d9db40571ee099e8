// What every JSON config loader does: read the file, parse it, read each field
// with its type checked, convert with from_json, validate, and prefix errors
// with where the config came from.
#pragma once

#include "base/config_kind.h"
#include "base/errors.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>

namespace mae {

// nlohmann's message without its "[json.exception.parse_error.101] parse error
// at " prefix, for people: "line 2, column 1: syntax error while parsing ...".
std::string json_error_text(const nlohmann::json::exception& e);

// The file's text; ConfigError("cannot open <what> '<path>'") when unreadable.
std::string read_config_file(const std::string& path, const std::string& what);

// JSON text parsed, refusing values nested deeper than any config (64 levels):
// nlohmann parses iteratively but copies, compares and dumps recursively, so a
// file of [[[[...]]]] 100,000 deep would overflow the stack later.
// ConfigError("<label>: not valid JSON: <why>") when malformed or too deep,
// "<label>: not a JSON text file ..." when it holds binary data (a model).
nlohmann::json parse_json(std::string_view text, const std::string& label);

// As parse_json, but a discarded value (is_discarded()) instead of an error:
// for files that are only probed ("is this ours?").
nlohmann::json parse_json_or_discarded(std::string_view text) noexcept;

// Throws ConfigError("config field '<field>': <why>") unless `ok`.
inline void require_field(bool ok, const std::string& field, const std::string& why) {
  if (!ok)
    throw ConfigError("config field '" + field + "': " + why);
}

// Throws ConfigError unless `j` is an object whose keys are all in `known`
// (or "comment"), naming the first unknown one as `prefix` + key.
void check_known_fields(const nlohmann::json& j, const std::set<std::string>& known,
                        const std::string& prefix = "");

// Reads j[key] into `out` when present, with its JSON type checked and
// integers range-checked for T (no wrap-around); `prefix` makes the dotted
// name in messages ("data." + "path").
template <typename T>
void read_field(const nlohmann::json& j, const char* key, T& out, const std::string& prefix = "") {
  auto it = j.find(key);
  if (it == j.end())
    return;
  const std::string field = prefix + key;
  if constexpr (std::is_same_v<T, bool>) {
    require_field(it->is_boolean(), field, "must be true or false");
    out = it->template get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    require_field(it->is_string(), field, "must be a string");
    out = it->template get<std::string>();
  } else if constexpr (std::is_unsigned_v<T>) {
    require_field(it->is_number_unsigned(), field, "must be a non-negative integer");
    const auto v = it->template get<uint64_t>();
    require_field(v <= std::numeric_limits<T>::max(), field, "is too large");
    out = static_cast<T>(v);
  } else if constexpr (std::is_integral_v<T>) {
    require_field(it->is_number_integer(), field, "must be an integer");
    const bool fits =
        it->is_number_unsigned()
            ? it->template get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
            : it->template get<int64_t>() >= std::numeric_limits<T>::min() &&
                  it->template get<int64_t>() <= std::numeric_limits<T>::max();
    require_field(fits, field, "is out of range");
    out = static_cast<T>(it->template get<int64_t>());
  } else {
    require_field(it->is_number(), field, "must be a number");
    out = it->template get<T>();
  }
}

// `Config` has from_json, validate() and its ConfigKind kKind; errors are
// ConfigErrors prefixed with `label`, and say what the file is when it is
// plainly another kind of config.
template <typename Config>
Config parse_config_json(const std::string& text, const std::string& label) {
  const nlohmann::json j = parse_json(text, label);
  Config c;
  try {
    from_json(j, c);
    c.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(label + ": " + e.what() + other_kind_hint(j, Config::kKind));
  }
  return c;
}

} // namespace mae
