#include "config_home.h"

#include <cstdlib>
#include <filesystem>

namespace mae::studio {
namespace fs = std::filesystem;

std::string config_home() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "mae-studio").string();
  if (const char* home = std::getenv("HOME"); home && *home)
    return (fs::path(home) / ".config" / "mae-studio").string();
  return "";
}

} // namespace mae::studio
