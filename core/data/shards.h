// Packed training images: raw 8-bit pixels in a few large shard files plus
// an index, so training needs no decoder (and no OpenCV) and reads images
// with one memcpy. `mae pack` writes them from an image folder.
//
// Layout of a shard directory:
//   shard-00000.bin ...  HWC uint8 pixels of each image, back to back
//   index.safetensors    per image: shard, offset, height, width, label;
//                        metadata: format, channels, short side, classes
// The index is written last and atomically: a pack that did not finish has
// no index and is refused.
#pragma once

#include "data/dataset.h"
#include "formats/posix_fd.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mae {

constexpr const char* kShardIndexName = "index.safetensors";
constexpr const char* kShardFormat = "mae-studio-shards";

// A pack's own files (the index, shard-NNNNN.bin, a killed write's temporary).
bool is_pack_file(const std::string& name);

class ShardWriter {
public:
  // Images added must have `channels` channels. `short_side` is recorded
  // for information (the packer resizes to it).
  ShardWriter(std::string dir, int channels, int short_side, std::vector<std::string> classes,
              size_t shard_bytes = size_t{256} << 20);

  void add(const Image& image, int label);
  // Writes the last shard, then the index, then deletes the shards beyond
  // the last that a bigger pack replaced left. Throws DataError or
  // CheckpointError on I/O errors.
  void finish();

  size_t count() const { return height_.size(); }
  size_t bytes_written() const { return total_bytes_; }
  int shard_count() const { return static_cast<int>(shard_sizes_.size()); }

private:
  void flush_shard();

  std::string dir_;
  int channels_, short_side_;
  std::vector<std::string> classes_;
  size_t shard_bytes_;
  std::vector<uint8_t> current_;
  std::vector<int32_t> shard_, height_, width_, label_;
  std::vector<int64_t> offset_, shard_sizes_;
  size_t total_bytes_ = 0;
};

class ShardDataset : public ImageDataset {
public:
  // Throws DataError when the index is missing or does not match the shards.
  explicit ShardDataset(const std::string& dir);
  ~ShardDataset() override;

  size_t size() const override { return height_.size(); }
  const std::vector<std::string>& classes() const override { return classes_; }
  int label(size_t i) const override { return label_[i]; }
  Image load(size_t i) const override;
  std::string describe() const override;

  int channels() const { return channels_; }
  int short_side() const { return short_side_; }

private:
  std::string dir_;
  int channels_ = 0, short_side_ = 0;
  std::vector<std::string> classes_;
  std::vector<int32_t> shard_, height_, width_, label_;
  std::vector<int64_t> offset_;
  // Read with pread, not mapped: a shard cut short while a run reads it is an
  // error naming it, not a SIGBUS.
  std::vector<std::unique_ptr<Fd>> shard_fds_;
  std::vector<std::string> shard_paths_;
  std::vector<int64_t> shard_bytes_;
};

} // namespace mae
