// The safetensors container: an 8-byte little-endian header length N, N bytes
// of JSON describing each tensor, then the raw little-endian tensor bytes.
// Parsing checks every offset and size, so the views it returns are safe to
// read; malformed files throw CheckpointError naming the file and the reason.
#pragma once

#include "formats/tensor_view.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mae {

struct SafetensorsFile {
  std::map<std::string, std::string> metadata; // "__metadata__"
  TensorList tensors;                          // ordered by data offset
  // nullptr if absent.
  const TensorView* find(const std::string& name) const;
};

// Tensor views point into the file bytes, which they keep alive; they are
// contiguous (empty strides) and may be unaligned if the writer did not pad.
SafetensorsFile read_safetensors(const std::string& path);
// The "__metadata__" alone, read from the header without the tensors (a
// checkpoint's step, looked at every second while its gigabytes change).
// Checks the header as read_safetensors does, but not the tensor entries.
std::map<std::string, std::string> read_safetensors_metadata(const std::string& path);
// `label` names the source in error messages (usually the path).
SafetensorsFile parse_safetensors(SharedBytes bytes, const std::string& label);

// One tensor to write: `nbytes` contiguous little-endian bytes at `data`.
struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t nbytes = 0;
};

// Writes tensors contiguously in the given order, the header padded with
// spaces to a multiple of 8 bytes (so the data is 8-byte aligned). Atomic:
// a temporary file renamed over `path`. `before_rename` is a test hook
// (see write_file_atomic). Throws CheckpointError on an invalid entry
// (duplicate or reserved name, size not matching dtype and shape) or I/O error.
void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                       const std::map<std::string, std::string>& metadata = {},
                       const std::function<void()>& before_rename = {});

// The header as written: the 8-byte length plus the padded JSON.
std::vector<uint8_t> safetensors_header(const std::vector<SafetensorsEntry>& entries,
                                        const std::map<std::string, std::string>& metadata);

} // namespace mae
