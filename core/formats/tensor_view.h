// A torch-free view of a tensor stored in a file buffer, shared by the
// safetensors and .pth readers so that parsing stays out of torch TUs.
#pragma once

#include "formats/file_bytes.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mae {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

size_t dtype_size(DType dtype);
// The safetensors spelling: "F32", "BF16", "I64", "BOOL", ...
const char* dtype_name(DType dtype);
// Parses a safetensors dtype name; returns false for unknown names.
bool parse_dtype_name(const std::string& name, DType* out);

// Row-major element strides for `shape`.
std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape);

// "[2, 3, 4]": a shape or strides in messages.
std::string shape_text(const std::vector<int64_t>& dims);

struct TensorView {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  // Element strides; empty means contiguous row-major.
  std::vector<int64_t> strides;
  // Keeps the file bytes alive; data points inside it.
  SharedBytes owner;
  const uint8_t* data = nullptr;

  int64_t numel() const;
  bool contiguous() const;
  // Bytes of the tensor once contiguous: numel() * dtype_size(dtype).
  size_t nbytes() const;
  // The elements in row-major order (follows strides; data may be unaligned).
  std::vector<uint8_t> contiguous_bytes() const;
};

// Ordered as in the file, so that listings and round trips are stable.
using TensorList = std::vector<std::pair<std::string, TensorView>>;

} // namespace mae
