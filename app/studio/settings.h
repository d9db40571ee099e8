// What the app remembers between sessions, in
// $XDG_CONFIG_HOME/mae-studio/settings.json (else ~/.config/mae-studio/):
// window geometry, the last tab, the UI scale, the panels' display choices.
// A convenience, never a reason to fail: a corrupt file is set aside (renamed
// to settings.json.bad) with a message, and the defaults are used.
#pragma once

#include "ui_state.h"

#include <climits>
#include <string>

namespace mae::studio {

struct Settings {
  static constexpr int kUnset = INT_MIN;
  int window_x = kUnset, window_y = kUnset; // screen coordinates of the window's corner
  int window_width = 0, window_height = 0;  // 0: the default size
  Tab tab = Tab::Explorer;
  CompareMode compare_mode = CompareMode::Ratios;
  float ui_scale = 0; // 0: follow the monitor's content scale; else 0.5..4
  DisplayOptions display;
};

void to_json(nlohmann::json& j, const Settings& s);
// ConfigError naming the field for a wrong type or a value out of range.
void from_json(const nlohmann::json& j, Settings& s);

struct LoadedSettings {
  Settings settings;
  std::string message; // non-empty when the file was set aside: say it to the user
};

// Missing file: the defaults, no message. Unreadable or invalid: the defaults,
// the file renamed to <path>.bad (or .bad.1, ...: never over an older one) and
// a message. Not a regular file (a FIFO would hang the start): the defaults and
// a message, the thing left where it is.
LoadedSettings load_settings(const std::string& path);

// Atomic (write + rename). Returns "" or why it could not be written.
std::string save_settings(const std::string& path, const Settings& s);

} // namespace mae::studio
