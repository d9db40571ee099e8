#include "base/config_json.h"

#include "base/regular_file.h"

#include <fstream>
#include <sstream>

namespace mae {

std::string read_config_file(const std::string& path, const std::string& what) {
  if (const std::string why = why_not_regular_file(path); !why.empty())
    throw ConfigError("cannot open " + what + " '" + path + "': " + why);
  std::ifstream in(path);
  if (!in)
    throw ConfigError("cannot open " + what + " '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace mae
