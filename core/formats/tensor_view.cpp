#include "formats/tensor_view.h"

#include <cstring>

namespace mae {

namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
};

const DTypeInfo& info(DType dtype) {
  for (const DTypeInfo& i : kDTypes)
    if (i.dtype == dtype)
      return i;
  return kDTypes[1]; // unreachable for valid enum values
}

} // namespace

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

size_t dtype_size(DType dtype) {
  return info(dtype).size;
}

const char* dtype_name(DType dtype) {
  return info(dtype).name;
}

bool parse_dtype_name(const std::string& name, DType* out) {
  for (const DTypeInfo& i : kDTypes) {
    if (name == i.name) {
      *out = i.dtype;
      return true;
    }
  }
  return false;
}

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

bool TensorView::contiguous() const {
  if (strides.empty() || numel() == 0)
    return true;
  if (strides.size() != shape.size())
    return false;
  // Like torch: the stride of a size-1 dimension never matters.
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected)
      return false;
    expected *= shape[i];
  }
  return true;
}

size_t TensorView::nbytes() const {
  return static_cast<size_t>(numel()) * dtype_size(dtype);
}

std::vector<uint8_t> TensorView::contiguous_bytes() const {
  const size_t esize = dtype_size(dtype);
  const int64_t n = numel();
  std::vector<uint8_t> out(static_cast<size_t>(n) * esize);
  if (n == 0)
    return out;
  if (contiguous()) {
    std::memcpy(out.data(), data, out.size());
    return out;
  }
  // Odometer over the index space; `offset` tracks the element offset.
  std::vector<int64_t> index(shape.size(), 0);
  int64_t offset = 0;
  for (int64_t e = 0; e < n; ++e) {
    std::memcpy(out.data() + static_cast<size_t>(e) * esize,
                data + static_cast<size_t>(offset) * esize, esize);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) {
        offset += strides[d];
        break;
      }
      offset -= strides[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}

} // namespace mae
