#include "fetch/http_download.h"

#include "base/errors.h"
#include "base/sha256.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>

namespace mae {
namespace fs = std::filesystem;

namespace {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string mb(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// State shared with libcurl's callbacks.
struct Transfer {
  const DownloadRequest* request = nullptr;
  std::FILE* file = nullptr;
  int64_t offset = 0;  // bytes already in the part when this transfer started
  int64_t written = 0; // bytes this transfer added
  bool too_long = false;
  bool checked_status = false;
  std::string linked_etag; // HuggingFace: the LFS file's SHA-256
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  CURL* curl = nullptr;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos && lower(line.substr(0, colon)) == "x-linked-etag") {
    std::string v = line.substr(colon + 1);
    std::string hex;
    for (char c : v)
      if (std::isxdigit(static_cast<unsigned char>(c)))
        hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (hex.size() == 64)
      t->linked_etag = hex;
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->checked_status) {
    t->checked_status = true;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    // Asked to resume, the server sent the whole file (200, not 206): start over.
    if (t->offset > 0 && status == 200) {
      t->file = std::freopen(nullptr, "wb", t->file);
      if (!t->file)
        return 0;
      t->offset = 0;
    }
  }
  // A server that sends more than the file's size (or than any model, when
  // the catalog gives none) would fill the disk: stop at once.
  const int64_t expected = t->request->expected_size;
  const int64_t limit = expected >= 0 ? expected : kMaxDownloadBytes;
  const auto n = static_cast<int64_t>(size * count);
  if (t->offset + t->written + n > limit) {
    t->too_long = true;
    return 0;
  }
  const size_t put = std::fwrite(data, size, count, t->file) * size;
  t->written += static_cast<int64_t>(put);
  return put;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  const DownloadRequest& r = *t->request;
  if (r.cancel && r.cancel->load())
    return 1;
  if (r.on_progress) {
    DownloadProgress p;
    p.done = t->offset + now;
    p.total = r.expected_size >= 0 ? r.expected_size : total > 0 ? t->offset + total : -1;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t->start).count();
    p.bytes_per_s = s > 0 ? static_cast<double>(now) / s : 0;
    r.on_progress(p);
  }
  return 0;
}

int64_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

// One line for each way a transfer ends badly, saying what to do next.
[[noreturn]] void fail_transfer(CURLcode code, long status, const DownloadRequest& r,
                                const char* curl_text) {
  const int64_t have = file_size_or_zero(r.part_path);
  const std::string resume = " (" + mb(have) + " kept: run again to resume)";
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
    throw FetchError("offline: cannot reach " + r.url + " (" + curl_text + ")");
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL:
    throw FetchError("not a download address: " + r.url + " (" + curl_text + ")");
  case CURLE_HTTP_RETURNED_ERROR:
    throw FetchError("the server answered HTTP " + std::to_string(status) +
                     (status == 404 ? " (not found)" : "") + " for " + r.url);
  case CURLE_OPERATION_TIMEDOUT:
    throw FetchError("the server stalled (under 1 KB/s for " + std::to_string(r.stall_timeout_s) +
                     " s): stopped" + resume);
  case CURLE_ABORTED_BY_CALLBACK:
    throw FetchError("cancelled" + resume);
  case CURLE_PARTIAL_FILE:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
    throw FetchError("the transfer was interrupted" + resume);
  case CURLE_WRITE_ERROR:
    throw FetchError("cannot write " + r.part_path + " (disk full?)");
  case CURLE_TOO_MANY_REDIRECTS:
    if (have == 0) // nothing came: no part to resume
      fs::remove(r.part_path);
    throw FetchError("the server redirected " + r.url + " more than 10 times (a loop?)");
  default:
    throw FetchError(std::string("download failed: ") + curl_text + resume);
  }
}

void verify(const DownloadRequest& r, int64_t expected_size, const std::string& expected_sha) {
  const int64_t size = file_size_or_zero(r.part_path);
  if (expected_size >= 0 && size != expected_size) {
    fs::remove(r.part_path);
    throw FetchError("wrong size: got " + std::to_string(size) + " bytes, expected " +
                     std::to_string(expected_size) + " (" + r.url + "); the download was deleted");
  }
  if (!expected_sha.empty() && lower(file_sha256(r.part_path)) != lower(expected_sha)) {
    fs::remove(r.part_path);
    throw FetchError("checksum mismatch: the file from " + r.url +
                     " is not the published one (SHA-256 differs); the download was deleted");
  }
}

} // namespace

void download_file(const DownloadRequest& r) {
  init_curl_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl)
    throw FetchError("cannot start libcurl");
  Transfer t;
  t.request = &r;
  t.curl = curl.get();
  t.offset = file_size_or_zero(r.part_path);
  if (r.expected_size >= 0 && t.offset > r.expected_size) {
    fs::remove(r.part_path); // longer than the file: not a part of it
    t.offset = 0;
  }
  if (r.expected_size >= 0 && t.offset == r.expected_size) {
    verify(r, r.expected_size, r.expected_sha256);
    return;
  }
  t.file = std::fopen(r.part_path.c_str(), t.offset > 0 ? "ab" : "wb");
  if (!t.file)
    throw FetchError("cannot write " + r.part_path);

  char error[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "mae-studio");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(r.connect_timeout_s));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(r.stall_timeout_s));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); // worker threads
  curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.offset));
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  const CURLcode code = curl_easy_perform(c);
  const bool closed = t.file && std::fclose(t.file) == 0;
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (code == CURLE_HTTP_RETURNED_ERROR && status == 416 && t.offset > 0) {
    // The part is already the whole file (or not of this file): start over once.
    fs::remove(r.part_path);
    return download_file(r);
  }
  if (t.too_long) {
    fs::remove(r.part_path);
    throw FetchError("the server sent more than the " +
                     (r.expected_size >= 0 ? std::to_string(r.expected_size) + " bytes expected"
                                           : mb(kMaxDownloadBytes) + " any model needs") +
                     " from " + r.url + "; the download was deleted");
  }
  if (code != CURLE_OK)
    fail_transfer(code, status, r, error[0] ? error : curl_easy_strerror(code));
  if (!closed)
    throw FetchError("cannot write " + r.part_path + " (disk full?)");
  curl_off_t length = -1;
  curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  const int64_t expected = r.expected_size >= 0 ? r.expected_size
                           : length >= 0        ? t.offset + length
                                                : -1;
  verify(r, expected, r.expected_sha256.empty() ? t.linked_etag : r.expected_sha256);
}

} // namespace mae
