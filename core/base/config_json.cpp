#include "base/config_json.h"

#include <fstream>
#include <sstream>

namespace mae {

std::string read_config_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in)
    throw ConfigError("cannot open " + what + " '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace mae
