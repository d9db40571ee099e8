// Where fetched models live and how one gets there: download every file of a
// catalog entry into <cache>/partial/<name>/ (resumable .part files), verify,
// convert to our format as <cache>/<name>.safetensors (atomic), then delete
// the download. The cache only ever holds whole, converted models; a failed
// fetch leaves at most a .part to resume from under partial/.
#pragma once

#include "fetch/http_download.h"
#include "fetch/model_catalog.h"

#include <atomic>
#include <functional>
#include <string>

namespace mae {

// $XDG_CACHE_HOME/mae-studio/models, else ~/.cache/mae-studio/models.
std::string default_model_cache();

struct FetchProgress {
  std::string stage; // "downloading config.json (1 of 2)", "converting", ...
  DownloadProgress bytes;
};

struct FetchOptions {
  std::string cache_dir; // "" = default_model_cache()
  int stall_timeout_s = 30;
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const FetchProgress&)> on_progress;
};

// <cache>/<name>.safetensors
std::string cached_model_path(const CatalogEntry& entry, const std::string& cache_dir);

// The converted model's path: at once when it is already cached, else after a
// download and conversion. FetchError, CheckpointError or ConfigError otherwise.
std::string fetch_model(const CatalogEntry& entry, const FetchOptions& options);

} // namespace mae
