#include "recent_files.h"

#include "base/config_json.h"
#include "base/utf8_text.h"
#include "config_home.h"
#include "formats/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace mae::studio {
namespace fs = std::filesystem;

RecentFiles::RecentFiles(std::string file) : file_(std::move(file)) {
  if (file_.empty())
    return;
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec))
    return;
  try {
    const auto j = parse_json(read_config_file(file_, "recent-files list"), "recent files");
    for (const auto& e : j.at("recent")) {
      RecentFile r{e.at("path").get<std::string>(), e.value("kind", std::string("image"))};
      if (!r.path.empty() && entries_.size() < kMaxEntries)
        entries_.push_back(std::move(r));
    }
  } catch (const std::exception& e) { // ours (unreadable, not JSON) or nlohmann's (not a list)
    entries_.clear();
    last_error_ = file_ + ": ignored, not a recent-files list (" + e.what() + ")";
  }
}

std::string RecentFiles::default_location() {
  const std::string dir = config_home();
  return dir.empty() ? "" : dir + "/recent.json";
}

bool RecentFiles::add(const std::string& path, const std::string& kind) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  const std::string key = ec ? path : abs.lexically_normal().string();
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const RecentFile& r) { return r.path == key; }),
                 entries_.end());
  entries_.insert(entries_.begin(), RecentFile{key, kind});
  if (entries_.size() > kMaxEntries)
    entries_.resize(kMaxEntries);
  if (file_.empty())
    return true;

  nlohmann::json j;
  j["recent"] = nlohmann::json::array();
  for (const auto& r : entries_)
    if (is_utf8(r.path)) // JSON holds only UTF-8: such a file opens, but is not listed
      j["recent"].push_back({{"path", r.path}, {"kind", r.kind}});
  const std::string text = j.dump(2) + "\n";
  try {
    create_folder(fs::path(file_).parent_path().string());
    write_file_atomic(file_, text.data(), text.size());
  } catch (const std::exception& e) {
    last_error_ = "cannot save the recent-files list: " + std::string(e.what());
    return false;
  }
  last_error_.clear();
  return true;
}

} // namespace mae::studio
