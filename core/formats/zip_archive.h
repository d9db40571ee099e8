// A read-only ZIP reader sized for PyTorch's torch.save format: stored
// (uncompressed) entries read in place, ZIP64 archives, local headers whose
// extra field differs from the central one (PyTorch pads it for alignment).
// Every offset and size is checked against the buffer; malformed archives
// throw CheckpointError naming the label and the reason.
#pragma once

#include "formats/file_bytes.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mae {

class ZipArchive {
public:
  // Parses the central directory of `bytes`; `label` prefixes messages.
  static ZipArchive open(SharedBytes bytes, std::string label);

  // Entry names in central directory order.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  // Pointer and size of a stored entry's bytes inside the buffer (no copy).
  // Throws CheckpointError if the entry is missing, compressed or encrypted.
  std::pair<const uint8_t*, size_t> entry(const std::string& name) const;

  const std::string& label() const { return label_; }
  const SharedBytes& bytes() const { return bytes_; }

private:
  struct Entry {
    std::string name;
    uint16_t flags = 0;
    uint16_t method = 0;
    uint64_t compressed_size = 0;
    uint64_t size = 0;
    uint64_t data_offset = 0; // after the local header
  };

  ZipArchive() = default;

  SharedBytes bytes_;
  std::string label_;
  std::vector<Entry> entries_;
  std::map<std::string, size_t> index_;
};

// True if the bytes start with a ZIP local header or end-of-directory record.
bool looks_like_zip(const FileBytes& bytes);

} // namespace mae
