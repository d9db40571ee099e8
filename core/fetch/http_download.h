// One file over HTTP(S) with Debian's libcurl: resumes a partial download,
// checks size and SHA-256, gives progress, can be cancelled, never hangs on a
// stalled server. Proxies come from the environment (http_proxy, https_proxy,
// no_proxy), as libcurl reads them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace mae {

struct DownloadProgress {
  int64_t done = 0;   // bytes in the file so far, a resumed part included
  int64_t total = -1; // -1 until known
  double bytes_per_s = 0;
};

// The most a download may hold when the catalog gives no size: the largest
// official checkpoints (ViT-H) are about 2.5 GB.
constexpr int64_t kMaxDownloadBytes = int64_t{16} << 30;

struct DownloadRequest {
  std::string url;
  std::string part_path; // where the bytes go; kept after an interruption, to resume
  int64_t expected_size = -1;
  std::string expected_sha256; // hex; "" to take HuggingFace's X-Linked-Etag, if it sends one
  int connect_timeout_s = 15;
  // A transfer slower than 1 KB/s for this long is stopped (resumable).
  int stall_timeout_s = 30;
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const DownloadProgress&)> on_progress; // from the calling thread
};

// Downloads into part_path, resuming from its current size. On success the
// file is complete and verified. Throws FetchError with one line saying what
// happened and whether running again resumes; a wrong size or checksum, or
// more bytes than expected_size (kMaxDownloadBytes without one), deletes the
// part (it cannot be resumed into a good file).
void download_file(const DownloadRequest& request);

} // namespace mae
