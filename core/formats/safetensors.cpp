#include "formats/safetensors.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/regular_file.h"
#include "formats/atomic_file.h"
#include "formats/file_bytes.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>

namespace mae {

namespace {

using nlohmann::json;

// Real headers are a few hundred KB at most; a larger length is corruption,
// and refusing it early avoids a huge JSON parse.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

[[noreturn]] void fail(const std::string& label, const std::string& why) {
  throw CheckpointError(label + ": " + why);
}

std::string offsets_text(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// numel * element size, or false on overflow of size_t / int64.
bool byte_size(const std::vector<int64_t>& shape, DType dtype, uint64_t* out) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n))
      return false;
  }
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return false;
  return !__builtin_mul_overflow(n, static_cast<uint64_t>(dtype_size(dtype)), out);
}

// A JSON integer as int64; false for floats, strings or values past int64.
bool json_int64(const json& v, int64_t* out) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return false;
    *out = static_cast<int64_t>(u);
    return true;
  }
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return true;
  }
  return false;
}

// A short rendering of a JSON value for messages. Never dumps nested values:
// dump() recurses, and a hostile header can nest millions deep.
std::string json_brief(const json& v) {
  if (v.is_primitive()) {
    std::string s = v.dump();
    return s.size() > 40 ? s.substr(0, 40) + "..." : s;
  }
  if (v.is_array() && v.size() <= 4) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + (v[i].is_primitive() ? json_brief(v[i]) : v[i].type_name());
    return s + "]";
  }
  return std::string("a JSON ") + v.type_name();
}

struct Entry {
  std::string name;
  TensorView view;
  uint64_t begin = 0;
  uint64_t end = 0;
};

const json& field(const std::string& label, const std::string& name, const json& info,
                  const char* key) {
  auto it = info.find(key);
  if (it == info.end())
    fail(label, "tensor '" + name + "' has no \"" + key + "\"");
  return *it;
}

DType parse_entry_dtype(const std::string& label, const std::string& name, const json& info) {
  const json& v = field(label, name, info, "dtype");
  if (!v.is_string())
    fail(label, "tensor '" + name + "' has a \"dtype\" that is not a string");
  DType dtype;
  if (!parse_dtype_name(v.get<std::string>(), &dtype))
    fail(label, "tensor '" + name + "' has unknown dtype '" + v.get<std::string>() +
                    "' (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  return dtype;
}

std::vector<int64_t> parse_entry_shape(const std::string& label, const std::string& name,
                                       const json& info) {
  const json& v = field(label, name, info, "shape");
  if (!v.is_array())
    fail(label, "tensor '" + name + "' has a \"shape\" that is not an array");
  std::vector<int64_t> shape;
  for (const json& d : v) {
    int64_t dim;
    if (!json_int64(d, &dim))
      fail(label,
           "tensor '" + name + "' has a shape entry that is not an integer: " + json_brief(d));
    if (dim < 0)
      fail(label, "tensor '" + name + "' has a negative dimension " + std::to_string(dim) +
                      " in its shape");
    shape.push_back(dim);
  }
  return shape;
}

void parse_entry_offsets(const std::string& label, const std::string& name, const json& info,
                         uint64_t* begin, uint64_t* end) {
  const json& v = field(label, name, info, "data_offsets");
  int64_t b, e;
  if (!v.is_array() || v.size() != 2 || !json_int64(v[0], &b) || !json_int64(v[1], &e) || b < 0 ||
      e < 0)
    fail(label,
         "tensor '" + name +
             "' has \"data_offsets\" that are not two non-negative integers: " + json_brief(v));
  *begin = static_cast<uint64_t>(b);
  *end = static_cast<uint64_t>(e);
}

Entry parse_entry(const std::string& label, const std::string& name, const json& info,
                  const SharedBytes& bytes, size_t data_start) {
  if (!info.is_object())
    fail(label,
         "tensor '" + name + "' is described by a JSON " + info.type_name() + ", not an object");
  Entry e;
  e.name = name;
  e.view.dtype = parse_entry_dtype(label, name, info);
  e.view.shape = parse_entry_shape(label, name, info);
  parse_entry_offsets(label, name, info, &e.begin, &e.end);

  const uint64_t data_size = bytes->size() - data_start;
  const std::string offs = offsets_text(e.begin, e.end);
  uint64_t need;
  if (!byte_size(e.view.shape, e.view.dtype, &need))
    fail(label, "tensor '" + name + "' shape " + shape_text(e.view.shape) +
                    " has too many elements (size overflows)");
  if (e.begin > e.end)
    fail(label, "tensor '" + name + "' data_offsets " + offs + " have begin > end");
  if (e.end > data_size)
    fail(label, "tensor '" + name + "' data_offsets " + offs +
                    " past the end of the data section (" + std::to_string(data_size) + " bytes)");
  if (e.end - e.begin != need)
    fail(label, "tensor '" + name + "' data_offsets " + offs + " hold " +
                    std::to_string(e.end - e.begin) + " bytes but dtype " +
                    dtype_name(e.view.dtype) + " and shape " + shape_text(e.view.shape) + " need " +
                    std::to_string(need) + " bytes (size mismatch)");
  e.view.owner = bytes;
  e.view.data = bytes->data() + data_start + e.begin;
  return e;
}

std::map<std::string, std::string> parse_metadata(const std::string& label, const json& v) {
  if (!v.is_object())
    fail(label, "__metadata__ is a JSON " + std::string(v.type_name()) + ", not an object");
  std::map<std::string, std::string> out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it.value().is_string())
      fail(label, "__metadata__ value for key '" + it.key() + "' is not a string (it is a JSON " +
                      it.value().type_name() + ")");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

// Zero-length tensors occupy no bytes, so they cannot overlap anything.
void check_overlaps(const std::string& label, const std::vector<Entry>& sorted) {
  const Entry* prev = nullptr;
  for (const Entry& e : sorted) {
    if (e.begin == e.end)
      continue;
    if (prev && e.begin < prev->end)
      fail(label, "tensors '" + prev->name + "' " + offsets_text(prev->begin, prev->end) +
                      " and '" + e.name + "' " + offsets_text(e.begin, e.end) +
                      " overlap in the data section");
    prev = &e;
  }
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

// nlohmann keeps the last of repeated keys; a header that names a tensor,
// __metadata__ or a tensor's field twice is ambiguous (other readers may take
// the first), so it is refused, as the reference implementation does.
json parse_header_json(const std::string& label, const uint8_t* p, size_t n) {
  std::vector<std::set<std::string>> open_objects; // keys seen, per open object
  const json::parser_callback_t check_keys = [&](int depth, json::parse_event_t event,
                                                 json& parsed) {
    if (depth > 8) // a header is 3 deep; nlohmann's copies and dumps recurse
      fail(label, "header nests values deeper than any safetensors header");
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) {
        if (open_objects.size() > 1)
          fail(label, "header has the key '" + key + "' twice in one object");
        if (key == "__metadata__")
          fail(label, "header has __metadata__ twice");
        fail(label, "header names tensor '" + key + "' twice");
      }
    }
    return true;
  };
  try {
    return json::parse(p, p + n, check_keys);
  } catch (const json::exception& e) {
    fail(label, "header is not valid JSON (" + json_error_text(e) + ")");
  }
}

// The header's length from the file's first 8 bytes (`size` is the file's).
uint64_t header_length(const std::string& label, const uint8_t* first, uint64_t size) {
  if (size < 8)
    fail(label, "file is too short for a safetensors header (" + std::to_string(size) +
                    " bytes, the 8-byte header length alone needs 8)");
  const uint64_t n = read_u64_le(first);
  if (n > kMaxHeaderBytes)
    fail(label, "header length " + std::to_string(n) +
                    " is absurdly large (over 100 MB); not a safetensors file or corrupt");
  if (n > size - 8)
    fail(label, "header length " + std::to_string(n) + " runs past the end of the file (" +
                    std::to_string(size) + " bytes)");
  return n;
}

json parse_header(const std::string& label, const uint8_t* p, size_t n) {
  json header = parse_header_json(label, p, n);
  if (!header.is_object())
    fail(label, "header is a JSON " + std::string(header.type_name()) + ", not an object");
  return header;
}

} // namespace

const TensorView* SafetensorsFile::find(const std::string& name) const {
  for (const auto& [n, view] : tensors)
    if (n == name)
      return &view;
  return nullptr;
}

SafetensorsFile parse_safetensors(SharedBytes bytes, const std::string& label) {
  if (!bytes)
    fail(label, "no data");
  const size_t size = bytes->size();
  const uint64_t n = header_length(label, bytes->data(), size);
  const json header = parse_header(label, bytes->data() + 8, static_cast<size_t>(n));

  SafetensorsFile file;
  std::vector<Entry> entries;
  const size_t data_start = 8 + static_cast<size_t>(n);
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__")
      file.metadata = parse_metadata(label, it.value());
    else
      entries.push_back(parse_entry(label, it.key(), it.value(), bytes, data_start));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  check_overlaps(label, entries);
  file.tensors.reserve(entries.size());
  for (Entry& e : entries)
    file.tensors.emplace_back(std::move(e.name), std::move(e.view));
  return file;
}

SafetensorsFile read_safetensors(const std::string& path) {
  return parse_safetensors(read_file_bytes(path, "safetensors file"), path);
}

std::map<std::string, std::string> read_safetensors_metadata(const std::string& path) {
  if (const std::string why = why_not_regular_file(path); !why.empty())
    fail(path, "cannot read the safetensors file: " + why);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    fail(path, "cannot open the safetensors file");
  const auto size = static_cast<uint64_t>(std::max<std::streamoff>(in.tellg(), 0));
  uint8_t first[8] = {};
  in.seekg(0);
  in.read(reinterpret_cast<char*>(first), size < 8 ? 0 : 8);
  const uint64_t n = header_length(path, first, size);
  std::vector<uint8_t> text(static_cast<size_t>(n));
  if (!in.read(reinterpret_cast<char*>(text.data()), static_cast<std::streamsize>(n)))
    fail(path, "file ended inside its header (it shrank while being read?)");
  const json header = parse_header(path, text.data(), text.size());
  const auto meta = header.find("__metadata__");
  return meta == header.end() ? std::map<std::string, std::string>() : parse_metadata(path, *meta);
}

std::vector<uint8_t> safetensors_header(const std::vector<SafetensorsEntry>& entries,
                                        const std::map<std::string, std::string>& metadata) {
  // ordered_json keeps the caller's tensor order in the header too.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const SafetensorsEntry& e : entries) {
    const std::string what = "cannot write safetensors: tensor '" + e.name + "'";
    if (e.name == "__metadata__")
      throw CheckpointError(what + " uses the reserved name __metadata__");
    if (!seen.insert(e.name).second)
      throw CheckpointError(what + " appears twice");
    uint64_t need;
    if (!byte_size(e.shape, e.dtype, &need))
      throw CheckpointError(what + " has an invalid shape " + shape_text(e.shape));
    if (need != e.nbytes)
      throw CheckpointError(what + " has " + std::to_string(e.nbytes) + " bytes but dtype " +
                            dtype_name(e.dtype) + " and shape " + shape_text(e.shape) + " need " +
                            std::to_string(need));
    if (e.nbytes > 0 && !e.data)
      throw CheckpointError(what + " has no data");
    header[e.name] = {{"dtype", dtype_name(e.dtype)},
                      {"shape", e.shape},
                      {"data_offsets", {offset, offset + e.nbytes}}};
    offset += e.nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& ex) {
    throw CheckpointError(std::string("cannot write safetensors header: ") + ex.what());
  }
  // Pad with spaces (valid JSON whitespace) so the data starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<uint8_t> out(8 + text.size());
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i, n >>= 8)
    out[i] = static_cast<uint8_t>(n & 0xff);
  std::copy(text.begin(), text.end(), out.begin() + 8);
  return out;
}

void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                       const std::map<std::string, std::string>& metadata,
                       const std::function<void()>& before_rename) {
  const std::vector<uint8_t> header = safetensors_header(entries, metadata);
  write_file_atomic(
      path,
      [&](std::ostream& out) {
        out.write(reinterpret_cast<const char*>(header.data()),
                  static_cast<std::streamsize>(header.size()));
        for (const SafetensorsEntry& e : entries)
          out.write(static_cast<const char*>(e.data), static_cast<std::streamsize>(e.nbytes));
      },
      before_rename);
}

} // namespace mae
