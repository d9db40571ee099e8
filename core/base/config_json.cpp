#include "base/config_json.h"

#include "base/nearest_name.h"
#include "base/regular_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mae {

std::string json_error_text(const nlohmann::json::exception& e) {
  std::string s = e.what();
  if (s.rfind("[json.exception.", 0) == 0 && s.find("] ") != std::string::npos)
    s.erase(0, s.find("] ") + 2);
  for (const std::string noise : {"parse error at ", "parse error: "})
    if (s.rfind(noise, 0) == 0)
      s.erase(0, noise.size());
  return s;
}

namespace {

constexpr int kMostJsonDepth = 64;
struct TooDeep {};

nlohmann::json parse_depth_limited(std::string_view text) {
  return nlohmann::json::parse(text, [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMostJsonDepth)
      throw TooDeep{};
    return true;
  });
}

} // namespace

nlohmann::json parse_json(std::string_view text, const std::string& label) {
  try {
    return parse_depth_limited(text);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(label + ": not valid JSON: " + json_error_text(e));
  } catch (const TooDeep&) {
    throw ConfigError(label + ": not valid JSON: values nested deeper than " +
                      std::to_string(kMostJsonDepth) + " levels, more than any config");
  }
}

nlohmann::json parse_json_or_discarded(std::string_view text) noexcept {
  try {
    return parse_depth_limited(text);
  } catch (...) { // malformed, too deep, or out of memory: not ours either way
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
}

std::string read_config_file(const std::string& path, const std::string& what) {
  if (const std::string why = why_not_regular_file(path); !why.empty())
    throw ConfigError("cannot open " + what + " '" + path + "': " + why);
  // Every config, lesson and view is kilobytes; a file of gigabytes dropped by
  // mistake would otherwise be read whole before it is refused.
  constexpr std::uintmax_t kMostBytes = 16u << 20;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMostBytes)
    throw ConfigError("cannot open " + what + " '" + path + "': it is " +
                      std::to_string(size >> 20) + " MB, more than any config (at most 16 MB)");
  std::ifstream in(path);
  if (!in)
    throw ConfigError("cannot open " + what + " '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void check_known_fields(const nlohmann::json& j, const std::set<std::string>& known,
                        const std::string& prefix) {
  require_field(j.is_object(), prefix.empty() ? "(top level)" : prefix.substr(0, prefix.size() - 1),
                "must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key()) && it.key() != "comment")
      throw ConfigError("unknown config field '" + prefix + it.key() + "'" +
                        did_you_mean(it.key(), {known.begin(), known.end()}));
}

} // namespace mae
