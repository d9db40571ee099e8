// Where the app keeps what it remembers (settings.json, recent.json).
#pragma once

#include <string>

namespace mae::studio {

// $XDG_CONFIG_HOME/mae-studio, else $HOME/.config/mae-studio, else "" (keep nothing).
std::string config_home();

} // namespace mae::studio
