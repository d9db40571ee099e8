// torch.save (.pth) reading: the zip container, the unpickler and the
// state-dict interpretation. Fixtures come from fixtures/formats/make_fixtures.py.
#include "base/errors.h"
#include "error_of.h"
#include "formats/file_bytes.h"
#include "formats/pickle.h"
#include "formats/pth_reader.h"
#include "formats/safetensors.h"
#include "formats/zip_archive.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace {

using namespace std::string_literals;
using mae::CheckpointError;
using mae::DType;
using mae::PickleValue;
using Kind = mae::PickleValue::Kind;

const std::string kOfficial = MAE_TEST_DATA "/vitmae/rgb32_p4/official.pth";
const std::string kHf = MAE_TEST_DATA "/vitmae/rgb32_p4/hf/model.safetensors";

std::string fixture(const std::string& name) {
  return MAE_TEST_DATA "/formats/" + name;
}

#define EXPECT_ERROR_HAS(stmt, phrase)                                                             \
  do {                                                                                             \
    const std::string msg_ = mae::test::error_of([&] { stmt; });                                   \
    EXPECT_NE(msg_.find(phrase), std::string::npos)                                                \
        << "expected '" << (phrase) << "' in: " << msg_;                                           \
  } while (0)

const mae::TensorView& get(const mae::PthFile& f, const std::string& name) {
  for (const auto& [n, t] : f.tensors)
    if (n == name)
      return t;
  throw std::runtime_error("no tensor " + name);
}

std::vector<std::string> names(const mae::PthFile& f) {
  std::vector<std::string> out;
  for (const auto& kv : f.tensors)
    out.push_back(kv.first);
  return out;
}

template <typename T> std::vector<T> values(const mae::TensorView& t) {
  const std::vector<uint8_t> b = t.contiguous_bytes();
  std::vector<T> out(b.size() / sizeof(T));
  std::memcpy(out.data(), b.data(), b.size());
  return out;
}

std::vector<uint8_t> file_vector(const std::string& path) {
  const auto bytes = mae::read_file_bytes(path, "test");
  return {bytes->begin(), bytes->end()};
}

mae::SharedBytes bytes_of(const std::string& s) {
  return std::make_shared<const mae::FileBytes>(std::vector<uint8_t>(s.begin(), s.end()));
}

mae::PickleValuePtr unpickle_str(const std::string& s, const mae::PersistentLoad& load = {},
                                 const mae::UnpickleLimits& limits = {}) {
  return mae::unpickle(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "test.pkl", load,
                       limits);
}

} // namespace

// --- the official checkpoint -------------------------------------------------------

TEST(Pth, ReadsTheOfficialCheckpoint) {
  const mae::PthFile f = mae::read_pth(kOfficial);
  EXPECT_TRUE(f.had_model_key);
  EXPECT_TRUE(f.ignored_keys.empty());
  ASSERT_EQ(f.tensors.size(), 50u); // 62 HF tensors with q/k/v fused in 3 layers
  EXPECT_EQ(f.tensors.front().first, "cls_token");
  EXPECT_EQ(get(f, "blocks.0.attn.qkv.weight").shape, (std::vector<int64_t>{192, 64}));
  EXPECT_EQ(get(f, "pos_embed").shape, (std::vector<int64_t>{1, 65, 64}));
  EXPECT_EQ(get(f, "decoder_pred.weight").shape, (std::vector<int64_t>{48, 32}));
  EXPECT_EQ(get(f, "patch_embed.proj.weight").shape, (std::vector<int64_t>{64, 3, 4, 4}));
  for (const auto& [name, t] : f.tensors) {
    EXPECT_EQ(t.dtype, DType::F32) << name;
    EXPECT_TRUE(t.strides.empty()) << name;
  }
}

TEST(Pth, OfficialValuesMatchTheHuggingFaceFile) {
  const mae::PthFile pth = mae::read_pth(kOfficial);
  const mae::SafetensorsFile hf = mae::read_safetensors(kHf);
  auto same = [&](const mae::TensorView& official, size_t byte_offset, const std::string& hf_name) {
    const mae::TensorView* h = hf.find(hf_name);
    ASSERT_NE(h, nullptr) << hf_name;
    const std::vector<uint8_t> o = official.contiguous_bytes();
    ASSERT_LE(byte_offset + h->nbytes(), o.size()) << hf_name;
    EXPECT_EQ(std::memcmp(o.data() + byte_offset, h->data, h->nbytes()), 0) << hf_name;
  };
  same(get(pth, "cls_token"), 0, "vit.embeddings.cls_token");
  same(get(pth, "mask_token"), 0, "decoder.mask_token");
  same(get(pth, "decoder_pred.weight"), 0, "decoder.decoder_pred.weight");
  const std::string layer = "vit.encoder.layer.0.attention.attention.";
  const mae::TensorView& qkv_w = get(pth, "blocks.0.attn.qkv.weight");
  same(qkv_w, 0, layer + "query.weight"); // rows 0..63
  same(qkv_w, 64 * 64 * 4, layer + "key.weight");
  same(qkv_w, 128 * 64 * 4, layer + "value.weight");
  const mae::TensorView& qkv_b = get(pth, "blocks.0.attn.qkv.bias");
  same(qkv_b, 0, layer + "query.bias");
  same(qkv_b, 64 * 4, layer + "key.bias");
  same(qkv_b, 128 * 4, layer + "value.bias");
}

// --- generated fixtures --------------------------------------------------------------

TEST(Pth, BareStateDictWithZipComment) {
  const mae::PthFile f = mae::read_pth(fixture("bare_state_dict.pth"));
  EXPECT_FALSE(f.had_model_key);
  EXPECT_TRUE(f.ignored_keys.empty());
  EXPECT_EQ(names(f), (std::vector<std::string>{"encoder.weight", "encoder.bias"}));
  EXPECT_EQ(get(f, "encoder.weight").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values<float>(get(f, "encoder.weight")),
            (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f}));
  EXPECT_EQ(values<float>(get(f, "encoder.bias")), (std::vector<float>{1, -1}));
}

TEST(Pth, ModelKeyWithExtrasIgnoresTheRest) {
  const mae::PthFile f = mae::read_pth(fixture("model_extras.pth"));
  EXPECT_TRUE(f.had_model_key);
  EXPECT_EQ(f.ignored_keys, (std::vector<std::string>{"optimizer", "epoch", "scaler", "args"}));
  EXPECT_EQ(names(f), (std::vector<std::string>{"cls_token", "head.weight", "head.bias"}));
  EXPECT_EQ(get(f, "cls_token").shape, (std::vector<int64_t>{1, 1, 4}));
  EXPECT_EQ(values<float>(get(f, "cls_token")), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
  // head.weight was an nn.Parameter (_rebuild_parameter around the tensor).
  EXPECT_EQ(get(f, "head.weight").shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(values<float>(get(f, "head.weight")), (std::vector<float>{0, -1, -2, -3, -4, -5}));
  EXPECT_EQ(values<float>(get(f, "head.bias")), (std::vector<float>{0.5f, 1.5f, 2.5f}));
}

TEST(Pth, ViewsHonourOffsetsAndStrides) {
  const mae::PthFile f = mae::read_pth(fixture("views.pth"));
  std::vector<float> base(24);
  for (int i = 0; i < 24; ++i)
    base[i] = 100.0f + static_cast<float>(i);
  const mae::TensorView& b = get(f, "base");
  EXPECT_TRUE(b.strides.empty());
  EXPECT_EQ(values<float>(b), base);

  const mae::TensorView& t = get(f, "transposed");
  EXPECT_EQ(t.shape, (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(t.strides, (std::vector<int64_t>{1, 6}));
  EXPECT_FALSE(t.contiguous());
  std::vector<float> transposed;
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 4; ++c)
      transposed.push_back(base[c * 6 + r]);
  EXPECT_EQ(values<float>(t), transposed);
  EXPECT_EQ(t.data, b.data); // shares the storage bytes
  EXPECT_EQ(t.owner, b.owner);

  const mae::TensorView& row = get(f, "row2");
  EXPECT_TRUE(row.strides.empty());
  EXPECT_EQ(row.data, b.data + 12 * 4);
  EXPECT_EQ(values<float>(row), (std::vector<float>{112, 113, 114, 115, 116, 117}));
  EXPECT_EQ(values<float>(get(f, "column2")), (std::vector<float>{102, 108, 114, 120}));
  EXPECT_EQ(get(f, "expanded").strides, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(values<float>(get(f, "expanded")),
            (std::vector<float>{104, 105, 106, 107, 104, 105, 106, 107, 104, 105, 106, 107}));
  EXPECT_TRUE(get(f, "scalar").shape.empty());
  EXPECT_EQ(values<float>(get(f, "scalar")), (std::vector<float>{105}));
  EXPECT_EQ(get(f, "empty").shape, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(get(f, "empty").numel(), 0);
  EXPECT_EQ(get(f, "tied").data, b.data); // the same tensor object, from the memo
  EXPECT_EQ(values<float>(get(f, "param")), (std::vector<float>{107, 108, 113, 114}));
  EXPECT_EQ(values<float>(get(f, "subclass")), (std::vector<float>{120, 121, 122}));
}

TEST(Pth, EveryStorageDtype) {
  const mae::PthFile f = mae::read_pth(fixture("dtypes.pth"));
  EXPECT_EQ(get(f, "f64").dtype, DType::F64);
  EXPECT_EQ(values<double>(get(f, "f64")), (std::vector<double>{1.5, -2.25, 1e300}));
  EXPECT_EQ(values<float>(get(f, "f32")), (std::vector<float>{0.1f, -3.5f}));
  EXPECT_EQ(get(f, "f16").dtype, DType::F16);
  EXPECT_EQ(get(f, "f16").shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(values<uint16_t>(get(f, "f16")),
            (std::vector<uint16_t>{0x3c00, 0xc100, 0x2e66, 0x7bff}));
  EXPECT_EQ(get(f, "bf16").dtype, DType::BF16);
  EXPECT_EQ(values<uint16_t>(get(f, "bf16")), (std::vector<uint16_t>{0x3f80, 0xc020, 0x4049}));
  EXPECT_EQ(get(f, "i64").dtype, DType::I64);
  EXPECT_EQ(values<int64_t>(get(f, "i64")),
            (std::vector<int64_t>{-5, int64_t{1} << 40, INT64_MAX}));
  EXPECT_EQ(values<int32_t>(get(f, "i32")), (std::vector<int32_t>{INT32_MIN, 7}));
  EXPECT_EQ(values<int16_t>(get(f, "i16")), (std::vector<int16_t>{-300, 300}));
  EXPECT_EQ(get(f, "i8").dtype, DType::I8);
  EXPECT_EQ(values<int8_t>(get(f, "i8")), (std::vector<int8_t>{-3, 7}));
  EXPECT_EQ(get(f, "u8").dtype, DType::U8);
  EXPECT_EQ(values<uint8_t>(get(f, "u8")), (std::vector<uint8_t>{200, 3}));
  EXPECT_EQ(get(f, "bool").dtype, DType::Bool);
  EXPECT_EQ(values<uint8_t>(get(f, "bool")), (std::vector<uint8_t>{1, 0, 1}));
}

TEST(Pth, Zip64Archives) {
  // Our writer: ZIP64 end records and ZIP64 extra fields in both headers.
  // Python's zipfile (force_zip64): ZIP64 extra fields in the local headers only.
  for (const char* name : {"zip64.pth", "zip64_zipfile.pth"}) {
    const mae::PthFile f = mae::read_pth(fixture(name));
    EXPECT_EQ(names(f), (std::vector<std::string>{"w", "b"})) << name;
    EXPECT_EQ(values<float>(get(f, "w")), (std::vector<float>{1, 2, 3, 4})) << name;
    EXPECT_EQ(values<float>(get(f, "b")), (std::vector<float>{5, 6})) << name;
  }
}

// --- rejected files ---------------------------------------------------------------

TEST(PthBad, DeflateCompressedArchive) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("deflate.pth")), "is compressed (zip method 8, deflate)");
}

TEST(PthBad, LegacyFormat) {
  const std::string msg = mae::test::error_of([] { mae::read_pth(fixture("legacy.pth")); });
  EXPECT_NE(msg.find("legacy (pre-1.6) torch.save format"), std::string::npos) << msg;
  EXPECT_NE(msg.find("torch.save(torch.load(p), p)"), std::string::npos) << msg;
  // The magic number as other pickle protocols write it (0, and 4 with a FRAME).
  EXPECT_ERROR_HAS(mae::parse_pth(bytes_of("L119547037146038801333356L\n."), "p0.pth"),
                   "p0.pth: this is the legacy (pre-1.6)");
  EXPECT_ERROR_HAS(
      mae::parse_pth(
          bytes_of(
              "\x80\x04\x95\x0d\0\0\0\0\0\0\0\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."s),
          "p4.pth"),
      "p4.pth: this is the legacy (pre-1.6)");
}

TEST(PthBad, PlainPickle) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("plain_pickle.pth")), "not a PyTorch checkpoint");
  // Protocols 0 and 1 (pickle.dumps({}, 0) and ({}, 1)) have no PROTO opcode.
  EXPECT_ERROR_HAS(mae::parse_pth(bytes_of("(dp0\n."), "p0.pth"),
                   "p0.pth: a plain Python pickle, not a PyTorch checkpoint");
  EXPECT_ERROR_HAS(mae::parse_pth(bytes_of("}q\x00."s), "p1.pth"),
                   "p1.pth: a plain Python pickle, not a PyTorch checkpoint");
  // Text that merely ends in a full stop is neither.
  EXPECT_ERROR_HAS(mae::parse_pth(bytes_of("Hello, world."), "text.pth"),
                   "text.pth: not a PyTorch checkpoint (it is neither");
}

TEST(PthBad, NotACheckpointAtAll) {
  EXPECT_ERROR_HAS(mae::read_pth(kHf), "not a PyTorch checkpoint");
  EXPECT_ERROR_HAS(mae::parse_pth(bytes_of(""), "empty.pth"), "empty.pth: not a PyTorch");
}

TEST(PthBad, MissingFile) {
  EXPECT_ERROR_HAS(mae::read_pth("/no/such/file.pth"), "cannot open checkpoint /no/such/file.pth");
}

TEST(PthBad, MissingDataPkl) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("no_pickle.pth")), "no '<folder>/data.pkl' entry");
}

TEST(PthBad, MissingStorageEntry) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("missing_data.pth")),
                   "missing entry 'archive/data/1' for storage '1'");
}

TEST(PthBad, StorageEntrySizeMismatch) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("storage_size_mismatch.pth")),
                   "storage '1' holds 2 F32 elements (8 bytes) but entry 'archive/data/1' has 12");
}

TEST(PthBad, StorageTooSmallForTheView) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("small_storage.pth")),
                   "reaches element 8 but its storage '0' has only 4 elements");
}

TEST(PthBad, ViewWithMoreElementsThanItsStorage) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("expanded_view.pth")),
                   "has 8 elements but its storage '0' only 2");
}

TEST(PthBad, BigEndianByteorder) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("big_endian.pth")), "byteorder is 'big'");
}

TEST(PthBad, NoModelKeyListsTopLevelKeys) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("no_model.pth")), "top-level keys: epoch, optimizer, lr");
}

// A zip holding only "archive/data.pkl" = `pickle`, stored (the reader checks no CRC).
std::string pth_of_pickle(const std::string& pickle) {
  std::string z;
  const auto put = [&](uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      z += static_cast<char>(v >> (8 * i));
  };
  const std::string name = "archive/data.pkl";
  const auto size = static_cast<uint32_t>(pickle.size());
  put(0x04034b50, 4), put(20, 2), put(0, 2), put(0, 2), put(0, 4), put(0, 4);
  put(size, 4), put(size, 4), put(static_cast<uint32_t>(name.size()), 2), put(0, 2);
  z += name + pickle;
  const auto directory = static_cast<uint32_t>(z.size());
  put(0x02014b50, 4), put(20, 2), put(20, 2), put(0, 2), put(0, 2), put(0, 4), put(0, 4);
  put(size, 4), put(size, 4), put(static_cast<uint32_t>(name.size()), 2), put(0, 2), put(0, 2);
  put(0, 2), put(0, 2), put(0, 4), put(0, 4);
  z += name;
  const auto directory_size = static_cast<uint32_t>(z.size()) - directory;
  put(0x06054b50, 4), put(0, 2), put(0, 2), put(1, 2), put(1, 2), put(directory_size, 4);
  put(directory, 4), put(0, 2);
  return z;
}

// One memoised 64 KiB key repeated 100,000 times costs 5 bytes a time; the
// message lists 20 keys, cut short, instead of copying 6 GB of them.
TEST(PthBad, ARepeatedLongKeyIsListedNotCopied) {
  const std::string key(1 << 16, 'a');
  std::string p = std::string("\x80\x02}X", 4);
  for (int i = 0; i < 4; ++i)
    p += static_cast<char>(key.size() >> (8 * i));
  p += key + "q\x01Nq\x02s";
  for (int i = 0; i < 100000; ++i)
    p += "h\x01h\x02s";
  p += ".";
  const std::string msg =
      mae::test::error_of([&] { mae::parse_pth(bytes_of(pth_of_pickle(p)), "long_keys.pth"); });
  EXPECT_NE(msg.find("holds None"), std::string::npos) << msg.substr(0, 300);
  EXPECT_NE(msg.find("aaa..., ... (100001 in all)"), std::string::npos) << msg.substr(0, 300);
}

TEST(PthBad, NonTensorValueNamesTheKey) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("bad_value.pth")),
                   "state dict key 'step' holds int 5, not a tensor");
}

TEST(PthBad, UnsupportedTensorType) {
  EXPECT_ERROR_HAS(mae::read_pth(fixture("qtensor.pth")),
                   "tensor 'q' is rebuilt by torch._utils._rebuild_qtensor");
}

// --- the zip reader ------------------------------------------------------------------

TEST(Zip, ReadsTheOfficialArchiveInPlace) {
  const auto bytes = mae::read_file_bytes(kOfficial, "checkpoint");
  const mae::ZipArchive zip = mae::ZipArchive::open(bytes, "official.pth");
  EXPECT_EQ(zip.names().size(), 52u);
  EXPECT_TRUE(zip.contains("official/data.pkl"));
  EXPECT_FALSE(zip.contains("official/nope"));
  const auto [data, size] = zip.entry("official/version");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data), size), "3\n");
  EXPECT_GE(data, bytes->data());
  EXPECT_LE(data + size, bytes->data() + bytes->size());
  // torch aligns the storage data to 64 bytes (in the file).
  EXPECT_EQ((zip.entry("official/data/0").first - bytes->data()) % 64, 0);
  EXPECT_ERROR_HAS(zip.entry("official/nope"), "no entry 'official/nope'");
}

TEST(Zip, RejectsGarbageAndTruncation) {
  EXPECT_ERROR_HAS(mae::ZipArchive::open(bytes_of("PK"), "z.zip"), "too short to be a zip");
  EXPECT_ERROR_HAS(mae::ZipArchive::open(bytes_of(std::string(100, 'x')), "z.zip"),
                   "no zip end of central directory record");
  const auto full = mae::read_file_bytes(fixture("bare_state_dict.pth"), "test");
  auto cut =
      std::make_shared<const mae::FileBytes>(std::vector<uint8_t>(full->begin(), full->end() - 30));
  EXPECT_THROW(mae::ZipArchive::open(cut, "cut.zip"), CheckpointError);
}

// --- the unpickler ---------------------------------------------------------------------

TEST(Pickle, SamplesFromEveryProtocol) {
  for (int proto = 0; proto <= 5; ++proto) {
    SCOPED_TRACE("protocol " + std::to_string(proto));
    const auto bytes =
        mae::read_file_bytes(fixture("sample_p" + std::to_string(proto) + ".pkl"), "test");
    const mae::PickleValuePtr root = mae::unpickle(bytes->data(), bytes->size(), "sample");
    ASSERT_EQ(root->kind, Kind::Dict);
    EXPECT_EQ(root->find("none")->kind, Kind::None);
    EXPECT_TRUE(root->find("true")->is(Kind::Bool) && root->find("true")->boolean);
    EXPECT_TRUE(root->find("false")->is(Kind::Bool) && !root->find("false")->boolean);

    const std::vector<int64_t> ints = {0,
                                       1,
                                       -1,
                                       255,
                                       256,
                                       65535,
                                       65536,
                                       INT32_MAX,
                                       INT32_MIN,
                                       int64_t{1} << 40,
                                       -(int64_t{1} << 40),
                                       INT64_MAX,
                                       INT64_MIN};
    const PickleValue* iv = root->find("ints");
    ASSERT_EQ(iv->items.size(), ints.size());
    for (size_t i = 0; i < ints.size(); ++i)
      EXPECT_EQ(iv->items[i]->integer, ints[i]) << i;

    const PickleValue* fv = root->find("floats");
    EXPECT_EQ(fv->items[0]->real, 0.5);
    EXPECT_EQ(fv->items[1]->real, -1e300);
    EXPECT_EQ(fv->items[2]->real, 3.25);
    EXPECT_EQ(root->find("str")->text, "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9d\x84\x9e");
    EXPECT_EQ(root->find("bytes")->kind, Kind::Bytes);
    EXPECT_EQ(root->find("bytes")->text, std::string("\x00\xff"
                                                     "ab",
                                                     4));

    const PickleValue* tuples = root->find("tuples");
    ASSERT_EQ(tuples->items.size(), 5u);
    for (size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(tuples->items[i]->kind, Kind::Tuple);
      EXPECT_EQ(tuples->items[i]->items.size(), i);
    }
    const PickleValue* nested = root->find("nested")->find("a");
    EXPECT_EQ(nested->items[1]->find("b")->items[0]->integer, 2);
    EXPECT_EQ(root->find("set")->kind, Kind::Set);
    EXPECT_EQ(root->find("set")->items[0]->integer, 3);
    EXPECT_EQ(root->find("frozenset")->kind, Kind::FrozenSet);
    const PickleValue* od = root->find("od");
    ASSERT_EQ(od->kind, Kind::Dict);
    EXPECT_EQ(od->find("k2")->integer, 2);

    const PickleValue* ns = root->find("ns");
    ASSERT_EQ(ns->kind, Kind::Object);
    if (proto >= 2)
      EXPECT_EQ(ns->global_name(), "argparse.Namespace");
    ASSERT_TRUE(ns->state);
    EXPECT_EQ(ns->state->find("lr")->real, 0.5);
    EXPECT_EQ(ns->state->find("name")->text, "vit");

    const PickleValue* many = root->find("many");
    ASSERT_EQ(many->items.size(), 300u);
    EXPECT_EQ(many->items[299]->text, "s299");
    // The same list object twice: one value, shared through the memo.
    EXPECT_EQ(root->find("shared"), root->find("again"));
    EXPECT_EQ(root->find("shared")->items[1]->text, "y");
    if (proto >= 4) {
      const PickleValue* thing = root->find("thing");
      EXPECT_EQ(thing->global_name(), "mae_fixture.Thing");
      EXPECT_EQ(thing->args->items[0]->integer, 1);
      ASSERT_TRUE(thing->kwargs);
      EXPECT_EQ(thing->kwargs->find("k")->integer, 2);
    }
  }
}

TEST(Pickle, TextAndRareOpcodes) {
  // Protocol 0 text forms, written by hand since Python 3 no longer emits some.
  auto v = unpickle_str("(S'a\\'b\\x41\\n'\nU\x02hiT\x03\0\0\0"
                        "abcI42\nL-7L\nF2.5\n"s
                        "Vsnow\\u2603\nI01\nl.");
  ASSERT_EQ(v->kind, Kind::List);
  ASSERT_EQ(v->items.size(), 8u);
  EXPECT_EQ(v->items[0]->text, "a'bA\n");
  EXPECT_EQ(v->items[1]->text, "hi");
  EXPECT_EQ(v->items[2]->text, "abc");
  EXPECT_EQ(v->items[3]->integer, 42);
  EXPECT_EQ(v->items[4]->integer, -7);
  EXPECT_EQ(v->items[5]->real, 2.5);
  EXPECT_EQ(v->items[6]->text, "snow\xe2\x98\x83");
  EXPECT_TRUE(v->items[7]->boolean);

  // 8-byte lengths, LONG4, DUP, POP, POP_MARK, PUT/GET text forms.
  v = unpickle_str(
      std::string("\x8d\x02\0\0\0\0\0\0\0hi", 11) + std::string("\x8e\x01\0\0\0\0\0\0\0z", 10) +
      std::string("\x8b\x02\0\0\0\xff\x7f", 7) + "2" + "0" + "(N1" + "p5\n0g5\n" + "\x87.");
  ASSERT_EQ(v->kind, Kind::Tuple);
  EXPECT_EQ(v->items[0]->text, "hi");
  EXPECT_EQ(v->items[1]->kind, Kind::Bytes);
  EXPECT_EQ(v->items[2]->integer, 0x7fff);

  // INST and OBJ build objects of any class without running anything.
  v = unpickle_str("(I1\nimod\nCls\n.");
  EXPECT_EQ(v->global_name(), "mod.Cls");
  EXPECT_EQ(v->args->items[0]->integer, 1);
  v = unpickle_str("(cmod\nCls\nI2\no.");
  EXPECT_EQ(v->global_name(), "mod.Cls");
  EXPECT_EQ(v->args->items[0]->integer, 2);

  // Any value may be called; the result is an opaque object.
  v = unpickle_str("K\x01)R.");
  EXPECT_EQ(v->kind, Kind::Object);
  EXPECT_EQ(v->callable->integer, 1);
}

TEST(Pickle, DictAndPersistentIds) {
  auto v = unpickle_str("(S'k'\nI1\ndS'j'\nPid7\ns.", [](const mae::PickleValuePtr& pid) {
    auto r = std::make_shared<PickleValue>(Kind::Int);
    r->integer = pid->text == "id7" ? 77 : -1;
    return r;
  });
  ASSERT_EQ(v->kind, Kind::Dict);
  EXPECT_EQ(v->find("k")->integer, 1);
  EXPECT_EQ(v->find("j")->integer, 77);
}

TEST(Pickle, ErrorsAreCheckpointErrors) {
  EXPECT_ERROR_HAS(unpickle_str("a."), "stack underflow");
  EXPECT_ERROR_HAS(unpickle_str("(a."), "stack underflow"); // items below a MARK are hidden
  EXPECT_ERROR_HAS(unpickle_str("h\x05."), "memo key 5 not found");
  EXPECT_ERROR_HAS(unpickle_str("X\x10\0\0\0abc"s), "truncated pickle");
  EXPECT_ERROR_HAS(unpickle_str("N"), "no STOP");
  EXPECT_ERROR_HAS(unpickle_str(""), "no STOP");
  EXPECT_ERROR_HAS(unpickle_str("\xff."), "unknown pickle opcode 0xff");
  EXPECT_ERROR_HAS(unpickle_str("\x80\x09."), "unsupported pickle protocol 9");
  EXPECT_ERROR_HAS(unpickle_str("S'x'\nQ."), "no persistent_load handler");
  EXPECT_ERROR_HAS(unpickle_str(std::string("\x8a\x09\0\0\0\0\0\0\0\0\x01.", 12)),
                   "does not fit in 64 bits");
  EXPECT_ERROR_HAS(unpickle_str("L99999999999999999999\n."), "does not fit in 64 bits");
  EXPECT_ERROR_HAS(unpickle_str("t."), "MARK expected");
  EXPECT_ERROR_HAS(unpickle_str("K\x01K\x02"
                                "a."),
                   "APPEND to a int");
  EXPECT_ERROR_HAS(unpickle_str("X\x02\0\0\0\xff\xfe."s), "not valid UTF-8");
  EXPECT_ERROR_HAS(unpickle_str("\x82\x01."), "extension registry");
  EXPECT_ERROR_HAS(unpickle_str("\x97."), "out-of-band");
}

TEST(Pickle, SelfReferenceIsRejected) {
  // l = []; l.append(l)
  EXPECT_ERROR_HAS(unpickle_str("]q\x00h\x00"
                                "a."s),
                   "self-referencing");
  // a = []; b = [a]; a.append(b)
  EXPECT_ERROR_HAS(unpickle_str("]q\x00]q\x01h\x00"
                                "a0h\x01"
                                "a."s),
                   "self-referencing");
  // Sharing without a cycle is fine: b = [a, a].
  auto v = unpickle_str("]q\x00(h\x00h\x00l."s);
  EXPECT_EQ(v->items[0], v->items[1]);
}

TEST(Pickle, DeepNestingIsDestroyedWithoutRecursion) {
  const size_t depth = 1000000;
  std::string s(depth, ']');
  s += std::string(depth - 1, 'a') + ".";
  mae::PickleValuePtr v = unpickle_str(s);
  const PickleValue* p = v.get();
  size_t n = 1;
  while (!p->items.empty()) {
    p = p->items[0].get();
    ++n;
  }
  EXPECT_EQ(n, depth);
  v.reset(); // must not overflow the stack
}

TEST(Pickle, ValueLimit) {
  mae::UnpickleLimits limits;
  limits.max_values = 10;
  EXPECT_ERROR_HAS(unpickle_str(std::string(20, 'N') + ".", {}, limits), "more than 10 values");
}

// set(<list of n items>) copies the list: fetched from the memo over and over,
// a small pickle would hold n pointers per 4 bytes, quadratic in its size.
// Found by tests/fuzz (fuzz_pickle checks the heap against the input size).
TEST(Pickle, MemoryIsBoundedByTheInputSize) {
  const size_t n = 3000;
  std::string s = "\x80\x02]q\x00("s;
  for (size_t i = 0; i < n; ++i)
    s += "K\x01";
  s += "ecbuiltins\nset\nq\x01";
  for (size_t i = 0; i < n; ++i)
    s += "h\x01h\x00\x85R"s;
  s += ".";
  EXPECT_ERROR_HAS(unpickle_str(s), "bytes of memory (320 per input byte)");
  // The same values without the copies fit.
  std::string plain = "\x80\x02](";
  for (size_t i = 0; i < 100000; ++i)
    plain += "]";
  plain += "e.";
  EXPECT_EQ(unpickle_str(plain)->items.size(), 100000u);
}

TEST(Pickle, DescribeIsShort) {
  auto v = unpickle_str("(cargparse\nNamespace\n)\x81}b.");
  EXPECT_EQ(mae::describe(*v), "argparse.Namespace object");
  EXPECT_EQ(mae::describe(*unpickle_str("K\x05.")), "int 5");
  EXPECT_EQ(mae::describe(*unpickle_str("}.")), "dict (0 entries)");
}

// --- robustness: truncations and byte flips never crash ----------------------------

namespace {

void parse_and_touch(const std::vector<uint8_t>& bytes) {
  mae::test::parse_and_touch(
      [&] { return mae::parse_pth(std::make_shared<const mae::FileBytes>(bytes), "fuzz.pth"); });
}

void unpickle_quietly(const std::vector<uint8_t>& bytes) {
  try {
    mae::unpickle(bytes.data(), bytes.size(), "fuzz.pkl");
  } catch (const CheckpointError&) {
  }
}

template <typename Parse>
void fuzz_file(const std::vector<uint8_t>& original, uint32_t seed, int rounds, Parse parse) {
  std::mt19937 rng(seed);
  const size_t n = original.size();
  for (int i = 0; i < rounds / 4; ++i) {
    const size_t len = i < 64 ? n - std::min<size_t>(n, static_cast<size_t>(i)) : rng() % (n + 1);
    parse(std::vector<uint8_t>(original.begin(), original.begin() + len));
  }
  // Flips: the pickle sits at the front and the directory at the back.
  const size_t edge = std::min<size_t>(n, 8192);
  for (int i = 0; i < rounds; ++i) {
    std::vector<uint8_t> b = original;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      const uint32_t where = rng() % 5;
      const size_t pos = where < 2 ? rng() % edge : where < 4 ? n - 1 - rng() % edge : rng() % n;
      if (rng() % 2)
        b[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      else
        b[pos] = static_cast<uint8_t>(rng());
    }
    parse(b);
  }
}

} // namespace

TEST(PthFuzz, TruncationsAndByteFlipsThrowOnlyCheckpointError) {
  fuzz_file(file_vector(kOfficial), 11, 3000, parse_and_touch);
  uint32_t seed = 100;
  for (const char* name : {"bare_state_dict.pth", "model_extras.pth", "views.pth", "dtypes.pth",
                           "zip64.pth", "zip64_zipfile.pth", "small_storage.pth", "legacy.pth"})
    fuzz_file(file_vector(fixture(name)), ++seed, 2000, parse_and_touch);
}

TEST(PickleFuzz, TruncationsAndByteFlipsThrowOnlyCheckpointError) {
  for (int proto = 0; proto <= 5; ++proto)
    fuzz_file(file_vector(fixture("sample_p" + std::to_string(proto) + ".pkl")), 200 + proto, 2000,
              unpickle_quietly);
}
