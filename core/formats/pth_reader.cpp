#include "formats/pth_reader.h"

#include "base/errors.h"
#include "formats/file_bytes.h"
#include "formats/pickle.h"
#include "formats/zip_archive.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_map>

namespace mae {

namespace {

using Kind = PickleValue::Kind;

// The legacy (pre-1.6) torch.save format starts with a pickled magic number,
// 0x1950a86a20f9469cfc6c: a LONG1 of these 10 bytes (protocol 2 and up, maybe
// after PROTO and FRAME), or a text LONG (protocols 0 and 1).
constexpr uint8_t kLegacyMagic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                    0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr char kLegacyMagicText[] = "L119547037146038801333356L\n";

// Tensor wrappers nest (Parameter around tensor, subclass around that);
// more than this is not a real checkpoint.
constexpr int kMaxTensorNesting = 8;

struct StorageType {
  const char* name;
  DType dtype;
};

constexpr StorageType kStorageTypes[] = {
    {"DoubleStorage", DType::F64},    {"FloatStorage", DType::F32}, {"HalfStorage", DType::F16},
    {"BFloat16Storage", DType::BF16}, {"LongStorage", DType::I64},  {"IntStorage", DType::I32},
    {"ShortStorage", DType::I16},     {"CharStorage", DType::I8},   {"ByteStorage", DType::U8},
    {"BoolStorage", DType::Bool},
};

struct Storage {
  std::string key;
  DType dtype = DType::F32;
  const uint8_t* data = nullptr;
  uint64_t numel = 0;
  PickleValuePtr value; // what persistent_load returned for it
};

std::string key_text(const PickleValue& k) {
  return k.kind == Kind::String ? k.text : describe(k);
}

// Keys as a message lists them: the first `max_items`, each cut to 80
// characters. A pickle can repeat one memoised megabyte key a million times
// for a few bytes each; copying every one would take terabytes.
std::vector<std::string> shown_keys(const PickleValue& dict, size_t max_items,
                                    const std::string& skip = "") {
  std::vector<std::string> out;
  size_t listed = 0;
  for (const auto& kv : dict.entries) {
    if (kv.first->kind == Kind::String && kv.first->text == skip)
      continue;
    if (++listed > max_items)
      continue;
    std::string k = key_text(*kv.first);
    if (k.size() > 80)
      k = k.substr(0, 77) + "...";
    out.push_back(std::move(k));
  }
  if (listed > max_items)
    out.push_back("... (" + std::to_string(listed) + " in all)");
  return out;
}

// Lists at most `max_items`; shown_keys' lists are already cut, so they pass none.
std::string join(const std::vector<std::string>& items,
                 size_t max_items = std::numeric_limits<size_t>::max()) {
  std::string s;
  for (size_t i = 0; i < items.size() && i < max_items; ++i)
    s += (i ? ", " : "") + items[i];
  if (items.size() > max_items)
    s += ", ... (" + std::to_string(items.size()) + " in all)";
  return s;
}

bool is_tensor_object(const PickleValue& v) {
  if (v.kind != Kind::Object)
    return false;
  const std::string g = v.global_name();
  return g.rfind("torch._utils._rebuild_", 0) == 0 || g == "torch._tensor._rebuild_from_type_v2";
}

// Finds "<prefix>/data.pkl", preferring a top-level folder as torch writes.
std::string find_prefix(const ZipArchive& zip) {
  const std::vector<std::string> names = zip.names();
  const std::string suffix = "/data.pkl";
  std::string nested;
  for (const std::string& n : names) {
    if (n.size() <= suffix.size() || n.compare(n.size() - suffix.size(), suffix.size(), suffix))
      continue;
    const std::string prefix = n.substr(0, n.size() - suffix.size());
    if (prefix.find('/') == std::string::npos)
      return prefix;
    if (nested.empty())
      nested = prefix;
  }
  if (!nested.empty())
    return nested;
  throw CheckpointError(zip.label() +
                        ": the zip archive has no '<folder>/data.pkl' entry, so it is not a "
                        "torch.save checkpoint (entries: " +
                        join(names, 10) + ")");
}

class PthParser {
public:
  PthParser(const ZipArchive& zip, std::string prefix)
      : zip_(zip), label_(zip.label()), prefix_(std::move(prefix)) {}

  PthFile parse() {
    check_byteorder();
    const std::string pkl = prefix_ + "/data.pkl";
    const auto [data, size] = zip_.entry(pkl);
    const PickleValuePtr root =
        unpickle(data, size, label_ + ": " + pkl,
                 [this](const PickleValuePtr& pid) { return persistent_load(pid); });
    return interpret(*root);
  }

private:
  [[noreturn]] void fail(const std::string& why) const {
    throw CheckpointError(label_ + ": " + why);
  }

  void check_byteorder() const {
    const std::string name = prefix_ + "/byteorder";
    if (!zip_.contains(name))
      return; // older torch: always little-endian
    const auto [data, size] = zip_.entry(name);
    std::string order(reinterpret_cast<const char*>(data), size);
    while (!order.empty() && std::isspace(static_cast<unsigned char>(order.back())))
      order.pop_back();
    if (order != "little")
      fail("byteorder is '" + order.substr(0, 20) +
           "'; only little-endian checkpoints are supported");
  }

  // ('storage', torch.<T>Storage, key, location, numel) -> a storage value
  // that only this parser can recognise (looked up by address).
  PickleValuePtr persistent_load(const PickleValuePtr& pid) {
    const auto& t = pid->items;
    if (pid->kind != Kind::Tuple || t.size() != 5 || t[0]->kind != Kind::String ||
        t[0]->text != "storage")
      fail("unsupported persistent id " + describe(*pid) +
           " (expected ('storage', type, key, location, numel))");
    if (t[2]->kind != Kind::String || t[3]->kind != Kind::String || t[4]->kind != Kind::Int ||
        t[4]->integer < 0)
      fail("malformed storage reference (key, location or size has the wrong type)");
    const std::string& key = t[2]->text;
    const DType dtype = storage_dtype(*t[1], key);
    const auto numel = static_cast<uint64_t>(t[4]->integer);

    // A storage referenced again (tensors sharing it) is the same value, as
    // torch.load caches it by key. Nothing is copied per reference: a small
    // pickle can name one storage with a long key a million times.
    auto known = by_key_.find(key);
    if (known != by_key_.end()) {
      if (known->second.dtype != dtype || known->second.numel != numel)
        fail("storage '" + key + "' is referenced with two different types or sizes");
      return known->second.value;
    }
    Storage s;
    s.key = key;
    s.dtype = dtype;
    s.numel = numel;
    s.data = storage_bytes(s);
    auto v = std::make_shared<PickleValue>(Kind::Object);
    v->callable = t[1];
    v->args = pid;
    s.value = v; // keeps the address in by_value_ from being reused
    by_value_[v.get()] = s;
    by_key_.emplace(key, std::move(s));
    return v;
  }

  DType storage_dtype(const PickleValue& type, const std::string& key) const {
    if (type.kind == Kind::Global && (type.text == "torch" || type.text == "torch.cuda")) {
      for (const StorageType& st : kStorageTypes)
        if (type.name == st.name)
          return st.dtype;
    }
    fail("storage '" + key + "' has unsupported type " + describe(type));
  }

  const uint8_t* storage_bytes(const Storage& s) const {
    const std::string name = prefix_ + "/data/" + s.key;
    if (!zip_.contains(name))
      fail("missing entry '" + name + "' for storage '" + s.key + "'");
    const auto [data, size] = zip_.entry(name);
    const size_t esize = dtype_size(s.dtype);
    if (s.numel > std::numeric_limits<uint64_t>::max() / esize || s.numel * esize != size)
      fail("storage '" + s.key + "' holds " + std::to_string(s.numel) + " " + dtype_name(s.dtype) +
           " elements (" +
           (s.numel > std::numeric_limits<uint64_t>::max() / esize
                ? std::string("too many")
                : std::to_string(s.numel * esize)) +
           " bytes) but entry '" + name + "' has " + std::to_string(size) + " bytes");
    return data;
  }

  PthFile interpret(const PickleValue& root) const {
    if (root.kind != Kind::Dict)
      fail("the checkpoint holds " + describe(root) + ", not a dict of tensors");
    PthFile out;
    const PickleValue* state = root.find("model");
    if (state) {
      if (state->kind != Kind::Dict)
        fail("key 'model' holds " + describe(*state) + ", not a state dict");
      out.had_model_key = true;
      out.ignored_keys = shown_keys(root, 20, "model");
    } else {
      check_bare_state_dict(root);
      state = &root;
    }
    out.tensors = read_state_dict(*state);
    return out;
  }

  void check_bare_state_dict(const PickleValue& root) const {
    for (const auto& kv : root.entries) {
      if (!is_tensor_object(*kv.second))
        fail("no 'model' key, and the top level is not a state dict (key '" + key_text(*kv.first) +
             "' holds " + describe(*kv.second) +
             "); top-level keys: " + join(shown_keys(root, 20)));
    }
  }

  TensorList read_state_dict(const PickleValue& dict) const {
    TensorList tensors;
    std::map<std::string, size_t> position;
    for (const auto& [k, v] : dict.entries) {
      if (k->kind != Kind::String)
        fail("the state dict has a non-string key (" + describe(*k) + ")");
      TensorView view = tensor(*v, k->text, 0);
      // A repeated key keeps its first position and its last value, as in Python.
      auto [it, fresh] = position.try_emplace(k->text, tensors.size()); // no copy when seen
      if (fresh)
        tensors.emplace_back(k->text, std::move(view));
      else
        tensors[it->second].second = std::move(view);
    }
    return tensors;
  }

  TensorView tensor(const PickleValue& v, const std::string& key, int depth) const {
    if (!is_tensor_object(v))
      fail("state dict key '" + key + "' holds " + describe(v) + ", not a tensor");
    if (!v.args)
      fail("tensor '" + key + "' has no arguments");
    return tensor_call(v.global_name(), v.args->items, key, depth);
  }

  TensorView tensor_call(const std::string& fn, const std::vector<PickleValuePtr>& a,
                         const std::string& key, int depth) const {
    if (depth > kMaxTensorNesting)
      fail("tensor '" + key + "' is nested too deeply");
    auto need_args = [&](size_t n) {
      if (a.size() < n)
        fail("tensor '" + key + "': " + fn + " has " + std::to_string(a.size()) +
             " arguments, expected at least " + std::to_string(n));
    };
    if (fn == "torch._utils._rebuild_tensor_v2" || fn == "torch._utils._rebuild_tensor") {
      need_args(4); // (storage, storage_offset, size, stride, ...)
      return view(*a[0], *a[1], *a[2], *a[3], key);
    }
    if (fn == "torch._utils._rebuild_parameter" ||
        fn == "torch._utils._rebuild_parameter_with_state") {
      need_args(1); // (data, requires_grad, backward_hooks[, state])
      return tensor(*a[0], key, depth + 1);
    }
    if (fn == "torch._tensor._rebuild_from_type_v2") {
      need_args(3); // (func, new_type, args, state): func(*args)
      if (a[0]->kind != Kind::Global || (a[2]->kind != Kind::Tuple && a[2]->kind != Kind::List))
        fail("tensor '" + key + "': malformed _rebuild_from_type_v2 arguments");
      return tensor_call(a[0]->global_name(), a[2]->items, key, depth + 1);
    }
    fail("tensor '" + key + "' is rebuilt by " + fn +
         ", which is not supported (only dense tensors stored in the archive)");
  }

  std::vector<int64_t> int_tuple(const PickleValue& v, const std::string& key,
                                 const char* what) const {
    if (v.kind != Kind::Tuple && v.kind != Kind::List)
      fail("tensor '" + key + "' has a " + what + " that is " + describe(v) + ", not a tuple");
    std::vector<int64_t> out;
    for (const PickleValuePtr& x : v.items) {
      if (x->kind != Kind::Int || x->integer < 0)
        fail("tensor '" + key + "' has a " + what + " entry that is " + describe(*x) +
             ", not a non-negative int");
      out.push_back(x->integer);
    }
    return out;
  }

  TensorView view(const PickleValue& storage_v, const PickleValue& offset_v,
                  const PickleValue& size_v, const PickleValue& stride_v,
                  const std::string& key) const {
    auto it = by_value_.find(&storage_v);
    if (it == by_value_.end())
      fail("tensor '" + key + "' has no storage reference (found " + describe(storage_v) + ")");
    const Storage& s = it->second;
    if (offset_v.kind != Kind::Int || offset_v.integer < 0)
      fail("tensor '" + key + "' has a storage offset that is " + describe(offset_v));
    const uint64_t offset = static_cast<uint64_t>(offset_v.integer);

    TensorView t;
    t.dtype = s.dtype;
    t.shape = int_tuple(size_v, key, "size");
    t.strides = int_tuple(stride_v, key, "stride");
    if (t.strides.size() != t.shape.size())
      fail("tensor '" + key + "' has size " + shape_text(t.shape) + " but stride " +
           shape_text(t.strides));

    // The furthest element the view reaches must lie inside the storage.
    uint64_t numel = 1, last = offset;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      const uint64_t n = static_cast<uint64_t>(t.shape[d]);
      uint64_t reach;
      if (__builtin_mul_overflow(numel, n, &numel) ||
          (n > 0 && (__builtin_mul_overflow(n - 1, static_cast<uint64_t>(t.strides[d]), &reach) ||
                     __builtin_add_overflow(last, reach, &last))))
        fail("tensor '" + key + "' size " + shape_text(t.shape) + " overflows");
    }
    if (numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail("tensor '" + key + "' size " + shape_text(t.shape) + " overflows");
    const auto where = [&] { // only when failing: `key` may be long
      return "tensor '" + key + "' (offset " + std::to_string(offset) + ", size " +
             shape_text(t.shape) + ", stride " + shape_text(t.strides) + ")";
    };
    if (numel == 0) {
      if (offset > s.numel)
        fail(where() + " starts past the end of its storage '" + s.key + "' (" +
             std::to_string(s.numel) + " elements)");
    } else if (last >= s.numel) {
      fail(where() + " reaches element " + std::to_string(last) + " but its storage '" + s.key +
           "' has only " + std::to_string(s.numel) + " elements");
    }
    // Only self-overlapping views (expand, stride 0) have more elements than
    // their storage; refusing them bounds what a copy of the tensor can cost.
    if (numel > s.numel)
      fail(where() + " has " + std::to_string(numel) + " elements but its storage '" + s.key +
           "' only " + std::to_string(s.numel) + "; such expanded views are not supported");

    t.owner = zip_.bytes();
    t.data = s.data + offset * dtype_size(s.dtype);
    if (t.contiguous())
      t.strides.clear();
    return t;
  }

  const ZipArchive& zip_;
  const std::string& label_;
  std::string prefix_;
  std::map<std::string, Storage> by_key_;
  std::unordered_map<const PickleValue*, Storage> by_value_;
};

bool is_legacy_torch_save(const FileBytes& b) {
  const size_t text_len = sizeof kLegacyMagicText - 1;
  if (b.size() >= text_len && std::memcmp(b.data(), kLegacyMagicText, text_len) == 0)
    return true;
  size_t i = 0;
  if (b.size() >= 2 && b[0] == 0x80) // PROTO n
    i = 2;
  if (i < b.size() && b[i] == 0x95) // FRAME <8-byte length>
    i += 9;
  return i <= b.size() && b.size() - i >= sizeof kLegacyMagic &&
         std::memcmp(b.data() + i, kLegacyMagic, sizeof kLegacyMagic) == 0;
}

// Protocols 0 and 1 have no PROTO mark: an opcode that can open a pickle
// first, STOP last.
bool looks_like_old_pickle(const FileBytes& b) {
  return b.size() >= 2 && b[0] != 0 && std::strchr("(}])cNIFSVLdlt", b[0]) != nullptr &&
         b[b.size() - 1] == '.';
}

[[noreturn]] void reject_non_zip(const FileBytes& b, const std::string& label) {
  if (is_legacy_torch_save(b))
    throw CheckpointError(
        label +
        ": this is the legacy (pre-1.6) torch.save format, which is not supported; convert it "
        "with a current PyTorch: python -c \"import torch; p='" +
        label + "'; torch.save(torch.load(p), p)\"");
  if ((b.size() >= 2 && b[0] == 0x80 && b[1] <= 5) || looks_like_old_pickle(b))
    throw CheckpointError(label +
                          ": a plain Python pickle, not a PyTorch checkpoint (torch.save writes "
                          "a zip archive)");
  throw CheckpointError(label +
                        ": not a PyTorch checkpoint (it is neither a zip archive nor a pickle)");
}

} // namespace

PthFile parse_pth(SharedBytes bytes, const std::string& label) {
  if (!bytes)
    throw CheckpointError(label + ": no data");
  if (!looks_like_zip(*bytes))
    reject_non_zip(*bytes, label);
  const ZipArchive zip = ZipArchive::open(std::move(bytes), label);
  PthParser parser(zip, find_prefix(zip));
  return parser.parse();
}

PthFile read_pth(const std::string& path) {
  return parse_pth(read_file_bytes(path, "checkpoint"), path);
}

} // namespace mae
