#include "base/config_json.h"

#include "base/image_signature.h"
#include "base/nearest_name.h"
#include "base/regular_file.h"
#include "base/utf8_text.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace mae {

namespace {

// The parser quotes what it last read: from a binary file given as a config,
// raw bytes that would reach the terminal. Control bytes and broken UTF-8 as \xNN.
std::string printable(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = utf8_length(s, i);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

} // namespace

std::string json_error_text(const nlohmann::json::exception& e) {
  std::string s = e.what();
  if (s.rfind("[json.exception.", 0) == 0 && s.find("] ") != std::string::npos)
    s.erase(0, s.find("] ") + 2);
  for (const std::string noise : {"parse error at ", "parse error: "})
    if (s.rfind(noise, 0) == 0)
      s.erase(0, noise.size());
  const auto has = [&](const char* text) { return s.find(text) != std::string::npos; };
  // The two slips of hand-edited JSON, named.
  if (has("literal; expected '}'") || has("literal; expected ']'")) // "[0.5 0.4]" too
    s += " (a ',' missing before it?)";
  else if (has("unexpected '}'; expected string literal") ||
           has("unexpected ']'; expected '[', '{', or a literal"))
    s += " (a ',' after the last item? JSON allows none)";
  if (const size_t at = s.find("; last read: "); at != std::string::npos)
    s.replace(at, 13, ", near ");
  return printable(s);
}

namespace {

constexpr int kMostJsonDepth = 64;
struct TooDeep {};
struct DuplicateKey {
  std::string key;
};

// Depth-limited, and a key twice in one object is refused: the JSON library
// keeps the last silently, and which one the user meant is a guess.
nlohmann::json parse_checked(std::string_view text) {
  using Event = nlohmann::json::parse_event_t;
  std::vector<std::set<std::string>> keys; // one set per open object
  return nlohmann::json::parse(text, [&](int depth, Event event, nlohmann::json& parsed) {
    if (depth > kMostJsonDepth)
      throw TooDeep{};
    if (event == Event::object_start)
      keys.emplace_back();
    else if (event == Event::object_end && !keys.empty())
      keys.pop_back();
    else if (event == Event::key && !keys.empty() &&
             !keys.back().insert(parsed.get<std::string>()).second)
      throw DuplicateKey{parsed.get<std::string>()};
    return true;
  });
}

} // namespace

nlohmann::json parse_json(std::string_view text, const std::string& label) {
  try {
    return parse_checked(text);
  } catch (const nlohmann::json::exception& e) {
    // A model or a picture given for a config: say so, not "last read: '0M'".
    const bool utf16 = text.size() >= 2 && ((text[0] == '\xff' && text[1] == '\xfe') ||
                                            (text[0] == '\xfe' && text[1] == '\xff'));
    if (utf16)
      throw ConfigError(label + ": UTF-16 text; save it as UTF-8 (JSON's encoding)");
    if (text.find('\0') != std::string_view::npos) {
      const ImageFormat image =
          image_format(reinterpret_cast<const uint8_t*>(text.data()), text.size());
      throw ConfigError(label + ": not a JSON text file: it holds binary data (" +
                        (image != ImageFormat::None
                             ? std::string("a ") + image_format_name(image) + " picture"
                             : std::string("a model or an archive?")) +
                        ")");
    }
    throw ConfigError(label + ": not valid JSON: " + json_error_text(e));
  } catch (const TooDeep&) {
    throw ConfigError(label + ": not valid JSON: values nested deeper than " +
                      std::to_string(kMostJsonDepth) + " levels, more than any config");
  } catch (const DuplicateKey& d) {
    throw ConfigError(label + ": the key '" + printable(d.key.substr(0, 80)) +
                      "' appears twice in one object: keep the one you mean");
  }
}

nlohmann::json parse_json_or_discarded(std::string_view text) noexcept {
  try {
    return parse_checked(text);
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
