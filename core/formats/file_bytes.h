// The bytes of a file (a checkpoint, a packed shard), immutable and shared by
// the views that point into them. A regular file is memory-mapped: no copy
// into the heap, and the pages stay the page cache's (a 1.3 GB ViT-L loads in
// half the time). A pipe, an empty file or a file system that cannot map is
// read into memory instead.
//
// A mapped file that another program truncates while it is mapped makes the
// next read of a lost page fault (SIGBUS). A checkpoint stays mapped only
// while it loads: the model copies the weights out. Our own writers replace
// files by rename, which leaves a mapped file intact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mae {

class FileBytes {
public:
  explicit FileBytes(std::vector<uint8_t> bytes);
  ~FileBytes();
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const uint8_t* begin() const { return data_; }
  const uint8_t* end() const { return data_ + size_; }
  uint8_t operator[](size_t i) const { return data_[i]; }
  bool mapped() const { return map_ != nullptr; }

private:
  friend std::shared_ptr<const FileBytes> read_file_bytes(const std::string& path, const char* what,
                                                          bool read_ahead);
  FileBytes(void* map, size_t size);

  std::vector<uint8_t> owned_;
  void* map_ = nullptr;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

using SharedBytes = std::shared_ptr<const FileBytes>;

// The whole file. `what` names the kind of file for the message
// ("checkpoint"): CheckpointError("cannot open checkpoint 'p': ..."). With
// `read_ahead`, a mapped file is read in at once (a checkpoint, used whole);
// without, pages are read as they are touched (shards, read image by image).
SharedBytes read_file_bytes(const std::string& path, const char* what, bool read_ahead = true);

} // namespace mae
