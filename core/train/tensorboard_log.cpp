#include "train/tensorboard_log.h"

#include "base/errors.h"

#ifdef MAE_WITH_TENSORBOARD
#include "tensorboard_event.pb.h"
#endif

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace mae {
namespace {

std::array<uint32_t, 256> crc32c_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1; // the reflected Castagnoli polynomial
    t[i] = c;
  }
  return t;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

} // namespace

uint32_t crc32c(const void* data, size_t size) {
  static const std::array<uint32_t, 256> table = crc32c_table();
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i)
    c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t masked_crc32c(const void* data, size_t size) {
  const uint32_t c = crc32c(data, size);
  return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}

std::string tfrecord(const std::string& data) {
  std::string out, length;
  put_le(length, data.size(), 8);
  out += length;
  put_le(out, masked_crc32c(length.data(), length.size()), 4);
  out += data;
  put_le(out, masked_crc32c(data.data(), data.size()), 4);
  return out;
}

#ifdef MAE_WITH_TENSORBOARD

bool TensorBoardLog::available() {
  return true;
}

TensorBoardLog::TensorBoardLog(const std::string& dir) {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  const auto seconds = static_cast<long long>(now_seconds());
  path_ = (std::filesystem::path(dir) / ("events.out.tfevents." + std::to_string(seconds) + "." +
                                         host + "." + std::to_string(getpid())))
              .string();
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_)
    throw TrainError("cannot create the TensorBoard event file '" + path_ +
                     "': " + std::strerror(errno) + " (--tensorboard off skips it)");
  tensorboard::Event e;
  e.set_wall_time(now_seconds());
  e.set_file_version("brain.Event:2");
  write_event(e.SerializeAsString());
}

TensorBoardLog::~TensorBoardLog() {
  if (file_)
    std::fclose(file_);
}

void TensorBoardLog::write_event(const std::string& event) {
  const std::string record = tfrecord(event);
  // A full disk loses TensorBoard lines, not the run: metrics.jsonl is the record.
  if (std::fwrite(record.data(), 1, record.size(), file_) == record.size())
    std::fflush(file_);
}

void TensorBoardLog::scalar(const std::string& tag, int64_t step, double value) {
  tensorboard::Event e;
  e.set_wall_time(now_seconds());
  e.set_step(step);
  auto* v = e.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(static_cast<float>(value));
  write_event(e.SerializeAsString());
}

void TensorBoardLog::image(const std::string& tag, int64_t step, int height, int width,
                           int channels, const std::string& png) {
  tensorboard::Event e;
  e.set_wall_time(now_seconds());
  e.set_step(step);
  auto* v = e.mutable_summary()->add_value();
  v->set_tag(tag);
  auto* image = v->mutable_image();
  image->set_height(height);
  image->set_width(width);
  image->set_colorspace(channels);
  image->set_encoded_image_string(png);
  write_event(e.SerializeAsString());
}

#else // no libprotobuf: no event files

bool TensorBoardLog::available() {
  return false;
}
TensorBoardLog::TensorBoardLog(const std::string&) {
  throw UsageError("this build writes no TensorBoard files (it needs libprotobuf-dev and protoc)");
}
TensorBoardLog::~TensorBoardLog() = default;
void TensorBoardLog::write_event(const std::string&) {}
void TensorBoardLog::scalar(const std::string&, int64_t, double) {}
void TensorBoardLog::image(const std::string&, int64_t, int, int, int, const std::string&) {}

#endif

} // namespace mae
