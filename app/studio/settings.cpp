#include "settings.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/regular_file.h"
#include "formats/atomic_file.h"
#include "view_state.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace mae::studio {
namespace fs = std::filesystem;

constexpr float kMinScale = 0.5f, kMaxScale = 4.0f;
constexpr int kMaxWindow = 16384;

void to_json(nlohmann::json& j, const Settings& s) {
  j = {{"tab", tab_key(s.tab)},
       {"compare_mode", to_string(s.compare_mode)},
       {"ui_scale", s.ui_scale},
       {"patch_grid", s.display.grid},
       {"tint_removed", s.display.tint},
       {"integer_zoom", s.display.integer_zoom},
       {"compare_inpainting", s.display.compare_inpainting}};
  if (s.window_width > 0)
    j["window"] = {{"width", s.window_width}, {"height", s.window_height}};
  if (s.window_x != Settings::kUnset)
    j["window"]["x"] = s.window_x, j["window"]["y"] = s.window_y;
}

void from_json(const nlohmann::json& j, Settings& s) {
  require_field(j.is_object(), "settings", "must be a JSON object");
  check_known_fields(j, {"tab", "compare_mode", "ui_scale", "patch_grid", "tint_removed",
                         "integer_zoom", "compare_inpainting", "window"});
  std::string tab = tab_key(s.tab), mode = to_string(s.compare_mode);
  read_field(j, "tab", tab);
  read_field(j, "compare_mode", mode);
  s.tab = parse_tab(tab);
  s.compare_mode = parse_compare_mode(mode);
  read_field(j, "ui_scale", s.ui_scale);
  require_field(s.ui_scale == 0 || (s.ui_scale >= kMinScale && s.ui_scale <= kMaxScale), "ui_scale",
                "must be 0 (follow the monitor) or in [0.5, 4]");
  read_field(j, "patch_grid", s.display.grid);
  read_field(j, "tint_removed", s.display.tint);
  read_field(j, "integer_zoom", s.display.integer_zoom);
  read_field(j, "compare_inpainting", s.display.compare_inpainting);
  if (const auto w = j.find("window"); w != j.end()) {
    require_field(w->is_object(), "window", "must be an object {width, height, x, y}");
    check_known_fields(*w, {"width", "height", "x", "y"}, "window.");
    read_field(*w, "width", s.window_width, "window.");
    read_field(*w, "height", s.window_height, "window.");
    require_field(s.window_width == 0 || (s.window_width >= 320 && s.window_width <= kMaxWindow),
                  "window.width", "must be in [320, 16384]");
    require_field(s.window_height == 0 || (s.window_height >= 240 && s.window_height <= kMaxWindow),
                  "window.height", "must be in [240, 16384]");
    read_field(*w, "x", s.window_x, "window.");
    read_field(*w, "y", s.window_y, "window.");
    require_field((s.window_x == Settings::kUnset) == (s.window_y == Settings::kUnset), "window",
                  "needs both x and y, or neither");
  }
}

namespace {

// `path`, or `path.1`, `path.2`, ...: the first name nothing has, so that a
// settings file moved aside never replaces one moved aside before.
std::string free_name(const std::string& path) {
  std::error_code ec;
  std::string name = path;
  for (int i = 1; fs::symlink_status(name, ec).type() != fs::file_type::not_found && i < 1000; ++i)
    name = path + "." + std::to_string(i);
  return name;
}

} // namespace

LoadedSettings load_settings(const std::string& path) {
  LoadedSettings out;
  std::error_code ec;
  if (path.empty() || !fs::exists(path, ec))
    return out;
  // A FIFO would hang the app's start; a folder is nothing to move aside.
  if (const std::string why = why_not_regular_file(path); !why.empty()) {
    out.message = "The settings file " + path + " is ignored: " + why + ". The defaults are used.";
    return out;
  }
  try {
    const auto j = parse_json(read_config_file(path, "settings file"), "settings");
    out.settings = j.get<Settings>();
    return out;
  } catch (const std::exception& e) {
    // nlohmann's parse and type errors, or ours: all mean "not our settings".
    out.settings = Settings{};
    const std::string aside = free_name(path + ".bad");
    fs::rename(path, aside, ec);
    out.message = "The settings file " + path + " could not be read (" + e.what() + "). " +
                  (ec ? "It is ignored." : "It was moved to " + aside + ".") +
                  " The defaults are used; your choices are saved again on exit.";
    return out;
  }
}

std::string save_settings(const std::string& path, const Settings& s) {
  if (path.empty())
    return "";
  try {
    const std::string text = nlohmann::json(s).dump(2) + "\n";
    create_folder(fs::path(path).parent_path().string());
    write_file_atomic(path, text.data(), text.size());
    return "";
  } catch (const std::exception& e) {
    return "cannot save the settings to " + path + ": " + e.what();
  }
}

} // namespace mae::studio
