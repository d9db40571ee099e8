#include "fetch/model_catalog.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/nearest_name.h"
#include "runtime/assets.h"

#include <cctype>
#include <set>

namespace mae {

int64_t CatalogEntry::total_size() const {
  int64_t total = 0;
  for (const CatalogFile& f : files) {
    if (f.size < 0)
      return -1;
    total += f.size;
  }
  return total;
}

namespace {

bool is_hex_sha256(const std::string& s) {
  if (s.size() != 64)
    return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

// A file name, not a path: it is joined to the cache folder.
bool is_plain_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\\') == std::string::npos && s.find('\0') == std::string::npos;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

void from_json(const nlohmann::json& j, CatalogFile& f) {
  require_field(j.is_object(), "files[]", "must be an object {url, name, size, sha256}");
  check_known_fields(j, {"url", "name", "size", "sha256"}, "files[].");
  require_field(j.contains("url"), "files[].url", "is required");
  read_field(j, "url", f.url, "files[].");
  require_field(f.url.rfind("http://", 0) == 0 || f.url.rfind("https://", 0) == 0, "files[].url",
                "must be an http:// or https:// address, got '" + f.url + "'");
  f.name = f.url.substr(f.url.find_last_of('/') + 1);
  read_field(j, "name", f.name, "files[].");
  require_field(is_plain_name(f.name), "files[].name", "must be a file name, got '" + f.name + "'");
  // Each file downloads into "<name>.part": one named so would share it.
  require_field(!ends_with(f.name, ".part"), "files[].name",
                "must not end in .part (the name of a download under way), got '" + f.name + "'");
  read_field(j, "size", f.size, "files[].");
  require_field(f.size == -1 || f.size > 0, "files[].size", "must be positive");
  read_field(j, "sha256", f.sha256, "files[].");
  require_field(f.sha256.empty() || is_hex_sha256(f.sha256), "files[].sha256",
                "must be 64 hex digits");
}

void from_json(const nlohmann::json& j, CatalogEntry& e) {
  require_field(j.is_object(), "models[]", "must be an object");
  check_known_fields(j, {"name", "description", "source", "arch", "encoder_only", "files"},
                     "models[].");
  read_field(j, "name", e.name, "models[].");
  require_field(is_plain_name(e.name), "models[].name",
                "must be a plain name, got '" + e.name + "'");
  read_field(j, "description", e.description, "models[].");
  read_field(j, "source", e.source, "models[].");
  read_field(j, "arch", e.arch, "models[].");
  read_field(j, "encoder_only", e.encoder_only, "models[].");
  const auto files = j.find("files");
  require_field(files != j.end() && files->is_array() && !files->empty(), "models[].files",
                "must be a non-empty array");
  std::set<std::string> names;
  for (const auto& f : *files) {
    e.files.push_back(f.get<CatalogFile>());
    require_field(names.insert(e.files.back().name).second, "models[].files",
                  "names '" + e.files.back().name + "' twice");
  }
}

std::vector<CatalogEntry> load_catalog(const std::string& path) {
  const nlohmann::json j = parse_json(read_config_file(path, "model catalog"), path);
  try {
    require_field(j.is_object() && j.contains("models") && j["models"].is_array(), "models",
                  "must be an array of models");
    check_known_fields(j, {"models"});
    std::vector<CatalogEntry> out;
    std::set<std::string> names;
    for (const auto& m : j["models"]) {
      out.push_back(m.get<CatalogEntry>());
      require_field(names.insert(out.back().name).second, "models[].name",
                    "'" + out.back().name + "' is listed twice");
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(path + ": not a valid model catalog: " + e.what());
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what() + other_kind_hint(j, ConfigKind::Catalog));
  }
}

std::string default_catalog_path() {
  return config_dir() + "/fetch/catalog.json";
}

const CatalogEntry& find_entry(const std::vector<CatalogEntry>& catalog, const std::string& name) {
  std::string names;
  std::vector<std::string> list;
  for (const CatalogEntry& e : catalog) {
    if (e.name == name)
      return e;
    names += (names.empty() ? "" : ", ") + e.name;
    list.push_back(e.name);
  }
  throw UsageError("no model called '" + name + "' in the catalog" + did_you_mean(name, list) +
                   "; known: " + names);
}

} // namespace mae
