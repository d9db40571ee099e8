// The recently opened images and models, persisted as JSON in
// $XDG_CONFIG_HOME/mae-studio/recent.json (else ~/.config/...).
#pragma once

#include <string>
#include <vector>

namespace mae::studio {

struct RecentFile {
  std::string path;
  std::string kind; // "image" | "model"
};

class RecentFiles {
public:
  static constexpr size_t kMaxEntries = 12;

  // Loads `file`; a missing or unreadable list starts empty (it is a
  // convenience, never a reason to fail). An empty `file` keeps nothing on disk.
  explicit RecentFiles(std::string file);

  // $XDG_CONFIG_HOME/mae-studio/recent.json, else $HOME/.config/..., else "".
  static std::string default_location();

  // Moves `path` to the front and saves. Returns false and sets last_error()
  // when the list cannot be written.
  bool add(const std::string& path, const std::string& kind);

  const std::vector<RecentFile>& entries() const { return entries_; }
  const std::string& last_error() const { return last_error_; }

private:
  std::string file_;
  std::vector<RecentFile> entries_;
  std::string last_error_;
};

} // namespace mae::studio
