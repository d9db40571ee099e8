// TensorBoard event files beside metrics.jsonl (events.out.tfevents.*): the
// same scalars under the official repo's tags where it has them (train_loss,
// lr) and preview figures as images, so a run opens in TensorBoard as the
// official main_pretrain.py's do. Records are TFRecord framed: length, masked
// CRC-32C of the length, the Event protobuf, masked CRC-32C of the data.
// Torch-free.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace mae {

// CRC-32C (Castagnoli), and TFRecord's masking of it.
uint32_t crc32c(const void* data, size_t size);
uint32_t masked_crc32c(const void* data, size_t size);
// One record: `data` framed as TFRecord does.
std::string tfrecord(const std::string& data);

// The name of an event file (events.out.tfevents.*).
bool is_tensorboard_event_file(const std::string& name);

class TensorBoardLog {
public:
  // Whether this build writes event files (Debian's libprotobuf found).
  static bool available();

  // Starts a new events.out.tfevents.<seconds>.<host> file in `dir` (a resumed
  // run gets a second file; TensorBoard reads them as one run). Throws
  // TrainError when the file cannot be created.
  explicit TensorBoardLog(const std::string& dir);
  ~TensorBoardLog();
  TensorBoardLog(const TensorBoardLog&) = delete;
  TensorBoardLog& operator=(const TensorBoardLog&) = delete;

  void scalar(const std::string& tag, int64_t step, double value);
  // `png`: an encoded PNG of height x width with `channels` (1, 3 or 4).
  void image(const std::string& tag, int64_t step, int height, int width, int channels,
             const std::string& png);
  const std::string& path() const { return path_; }

private:
  void write_event(const std::string& event);

  std::string path_;
  std::FILE* file_ = nullptr;
};

} // namespace mae
