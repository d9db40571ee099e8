// safetensors reading/writing and the atomic file helpers.
#include "base/errors.h"
#include "dead_pid.h"
#include "error_of.h"
#include "formats/atomic_file.h"
#include "formats/file_bytes.h"
#include "formats/safetensors.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using mae::CheckpointError;
using mae::DType;

const std::string kHf = MAE_TEST_DATA "/vitmae/rgb32_p4/hf/model.safetensors";
const std::string kExpected = MAE_TEST_DATA "/vitmae/rgb32_p4/expected.safetensors";

std::string tmp_dir() {
  const std::string dir = std::string(MAE_TEST_TMP) + "/safetensors";
  fs::create_directories(dir);
  return dir;
}

using Bytes = mae::SharedBytes;

Bytes make_bytes(std::vector<uint8_t> v) {
  return std::make_shared<const mae::FileBytes>(std::move(v));
}

// A file made of an 8-byte length, `header` and `data_size` zero bytes.
Bytes file_with_header(const std::string& header, size_t data_size) {
  std::vector<uint8_t> b(8 + header.size() + data_size, 0);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i, n >>= 8)
    b[i] = static_cast<uint8_t>(n);
  std::memcpy(b.data() + 8, header.data(), header.size());
  return make_bytes(std::move(b));
}

// The parse fails with a CheckpointError naming the file and `phrase`.
void expect_bad(const std::string& header, size_t data_size, const std::string& phrase) {
  const std::string msg = mae::test::error_of(
      [&] { mae::parse_safetensors(file_with_header(header, data_size), "bad.st"); });
  EXPECT_NE(msg.find("bad.st: "), std::string::npos) << msg;
  EXPECT_NE(msg.find(phrase), std::string::npos) << "expected '" << phrase << "' in: " << msg;
}

float float_at(const mae::TensorView& t, size_t i) {
  float f;
  std::memcpy(&f, t.data + i * 4, 4);
  return f;
}

uint64_t header_length(const std::vector<uint8_t>& b) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | b[i];
  return n;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  const auto bytes = mae::read_file_bytes(path, "test file");
  return {bytes->begin(), bytes->end()};
}

} // namespace

// --- reading ------------------------------------------------------------------

TEST(Safetensors, ReadsHuggingFaceFixture) {
  const mae::SafetensorsFile f = mae::read_safetensors(kHf);
  ASSERT_EQ(f.tensors.size(), 62u);
  EXPECT_EQ(f.metadata.at("format"), "pt");
  // Data-offset order: the first and last tensors of the data section.
  EXPECT_EQ(f.tensors.front().first, "decoder.decoder_embed.bias");
  EXPECT_EQ(f.tensors.back().first, "vit.layernorm.weight");
  for (const auto& [name, t] : f.tensors) {
    EXPECT_EQ(t.dtype, DType::F32) << name;
    EXPECT_TRUE(t.strides.empty()) << name;
    EXPECT_TRUE(t.contiguous()) << name;
  }
  const mae::TensorView* proj = f.find("vit.embeddings.patch_embeddings.projection.weight");
  ASSERT_NE(proj, nullptr);
  EXPECT_EQ(proj->shape, (std::vector<int64_t>{64, 3, 4, 4}));
  EXPECT_EQ(proj->nbytes(), 64u * 3 * 4 * 4 * 4);
  EXPECT_EQ(f.find("decoder.decoder_pos_embed")->shape, (std::vector<int64_t>{1, 65, 32}));
  EXPECT_EQ(f.find("vit.encoder.layer.1.output.dense.weight")->shape,
            (std::vector<int64_t>{64, 256}));

  // Values computed with Python's struct module from the same file.
  const mae::TensorView* cls = f.find("vit.embeddings.cls_token");
  ASSERT_NE(cls, nullptr);
  EXPECT_EQ(cls->shape, (std::vector<int64_t>{1, 1, 64}));
  EXPECT_FLOAT_EQ(float_at(*cls, 0), -0.7627979516983032f);
  EXPECT_FLOAT_EQ(float_at(*cls, 1), -0.37511590123176575f);
  EXPECT_FLOAT_EQ(float_at(*cls, 63), -0.37393611669540405f);
  const mae::TensorView* bias = f.find("decoder.decoder_pred.bias");
  EXPECT_FLOAT_EQ(float_at(*bias, 0), -0.15544334053993225f);
  EXPECT_FLOAT_EQ(float_at(*bias, 47), 0.19938549399375916f);
  const mae::TensorView* q = f.find("vit.encoder.layer.0.attention.attention.query.weight");
  EXPECT_FLOAT_EQ(float_at(*q, 1), 0.24064694344997406f);
  EXPECT_FLOAT_EQ(float_at(*q, 4095), -0.06691280007362366f);
  EXPECT_FLOAT_EQ(float_at(*f.find("vit.layernorm.weight"), 63), 1.2725542783737183f);
}

TEST(Safetensors, ReadsExpectedOutputsWithInt64) {
  const mae::SafetensorsFile f = mae::read_safetensors(kExpected);
  const mae::TensorView* ids = f.find("ids_restore");
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ(ids->dtype, DType::I64);
  EXPECT_EQ(ids->shape, (std::vector<int64_t>{3, 64}));
  EXPECT_EQ(f.find("pred")->shape, (std::vector<int64_t>{3, 64, 48}));
}

TEST(Safetensors, FindReturnsNullForMissingName) {
  const mae::SafetensorsFile f = mae::read_safetensors(kHf);
  EXPECT_EQ(f.find("no.such.tensor"), nullptr);
}

TEST(Safetensors, ViewsKeepTheFileAlive) {
  mae::TensorView cls;
  {
    const mae::SafetensorsFile f = mae::read_safetensors(kHf);
    cls = *f.find("vit.embeddings.cls_token");
  }
  EXPECT_FLOAT_EQ(float_at(cls, 0), -0.7627979516983032f);
}

TEST(Safetensors, MissingFileNamesThePath) {
  const std::string msg =
      mae::test::error_of([] { mae::read_safetensors("/no/such/dir/x.safetensors"); });
  EXPECT_NE(msg.find("/no/such/dir/x.safetensors"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

// The metadata alone comes from the header: a checkpoint whose tensors are cut
// short (being rewritten) still names its step, and nothing past the header is
// read. A damaged header, a FIFO or a missing file is a CheckpointError.
TEST(Safetensors, MetadataIsReadFromTheHeaderAlone) {
  const std::string path = tmp_dir() + "/meta_only.safetensors";
  const std::vector<float> w(1000, 0.5f);
  mae::write_safetensors(path, {{"w", DType::F32, {1000}, w.data(), w.size() * 4}},
                         {{"step", "42"}, {"format", "test"}});
  const uint64_t header_end = 8 + header_length(file_bytes(path));
  fs::resize_file(path, header_end + 10);
  EXPECT_THROW(mae::read_safetensors(path), CheckpointError);
  const auto meta = mae::read_safetensors_metadata(path);
  EXPECT_EQ(meta.size(), 2u);
  EXPECT_EQ(meta.at("step"), "42");

  mae::write_safetensors(path, {{"w", DType::F32, {1000}, w.data(), w.size() * 4}});
  EXPECT_TRUE(mae::read_safetensors_metadata(path).empty());

  fs::resize_file(path, 8 + header_length(file_bytes(path)) - 3); // inside the header
  EXPECT_NE(mae::test::error_of([&] {
              mae::read_safetensors_metadata(path);
            }).find("runs past the end of the file"),
            std::string::npos);
  std::ofstream(path, std::ios::trunc | std::ios::binary) << "abc";
  EXPECT_NE(mae::test::error_of([&] { mae::read_safetensors_metadata(path); }).find("too short"),
            std::string::npos);
  const auto bad = file_with_header(R"({"__metadata__":{"step":3}})", 0);
  std::ofstream(path, std::ios::trunc | std::ios::binary)
      .write(reinterpret_cast<const char*>(bad->data()), static_cast<std::streamsize>(bad->size()));
  EXPECT_NE(mae::test::error_of([&] { mae::read_safetensors_metadata(path); }).find("not a string"),
            std::string::npos);

  const std::string fifo = tmp_dir() + "/meta_pipe";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string why = mae::test::error_of([&] { mae::read_safetensors_metadata(fifo); });
  EXPECT_NE(why.find(fifo), std::string::npos) << why;
  EXPECT_NE(why.find("FIFO"), std::string::npos) << why;
  EXPECT_THROW(mae::read_safetensors_metadata(tmp_dir() + "/none.safetensors"), CheckpointError);
}

// --- writing --------------------------------------------------------------------

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  const std::vector<double> f64 = {1.5, -2.25, 1e300};
  const std::vector<float> f32 = {0.1f, -3.5f, 7.0f, 8.0f, 9.0f, 10.0f};
  const std::vector<uint16_t> f16 = {0x3c00, 0xc100, 0x7bff};
  const std::vector<uint16_t> bf16 = {0x3f80, 0xc020};
  const std::vector<int64_t> i64 = {-5, int64_t{1} << 40, INT64_MAX};
  const std::vector<int32_t> i32 = {INT32_MIN, 7};
  const std::vector<int16_t> i16 = {-300, 300};
  const std::vector<int8_t> i8 = {-3, 7, 1};
  const std::vector<uint8_t> u8 = {200, 3};
  const std::vector<uint8_t> boolean = {1, 0, 1};
  std::vector<mae::SafetensorsEntry> entries = {
      {"f64", DType::F64, {3}, f64.data(), 24},   {"f32", DType::F32, {2, 3}, f32.data(), 24},
      {"f16", DType::F16, {3}, f16.data(), 6},    {"bf16", DType::BF16, {2, 1}, bf16.data(), 4},
      {"i64", DType::I64, {3}, i64.data(), 24},   {"i32", DType::I32, {2}, i32.data(), 8},
      {"i16", DType::I16, {1, 2}, i16.data(), 4}, {"i8", DType::I8, {3}, i8.data(), 3},
      {"u8", DType::U8, {2}, u8.data(), 2},       {"bool", DType::Bool, {3}, boolean.data(), 3},
      {"scalar", DType::F32, {}, f32.data(), 4},  {"empty", DType::F32, {0, 4}, nullptr, 0},
  };
  const std::map<std::string, std::string> meta = {{"format", "mae-studio"},
                                                   {"config", "{\"embed_dim\": 64}"}};
  const std::string path = tmp_dir() + "/all_dtypes.safetensors";
  mae::write_safetensors(path, entries, meta);

  const mae::SafetensorsFile f = mae::read_safetensors(path);
  EXPECT_EQ(f.metadata, meta);
  ASSERT_EQ(f.tensors.size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [name, t] = f.tensors[i];
    EXPECT_EQ(name, entries[i].name); // written in the given order
    EXPECT_EQ(t.dtype, entries[i].dtype) << name;
    EXPECT_EQ(t.shape, entries[i].shape) << name;
    EXPECT_EQ(t.nbytes(), entries[i].nbytes) << name;
    if (entries[i].nbytes)
      EXPECT_EQ(std::memcmp(t.data, entries[i].data, entries[i].nbytes), 0) << name;
  }
  EXPECT_EQ(f.find("scalar")->numel(), 1);
  EXPECT_EQ(f.find("empty")->numel(), 0);
  EXPECT_FALSE(fs::exists(mae::temp_path_for(path)));
}

TEST(Safetensors, HeaderIsPaddedToAMultipleOf8) {
  const float x = 1.0f;
  for (int len = 1; len <= 16; ++len) {
    const std::vector<mae::SafetensorsEntry> entries = {
        {std::string(static_cast<size_t>(len), 'n'), DType::F32, {1}, &x, 4}};
    const std::string path = tmp_dir() + "/pad.safetensors";
    mae::write_safetensors(path, entries);
    const std::vector<uint8_t> b = file_bytes(path);
    const uint64_t n = header_length(b);
    EXPECT_EQ(n % 8, 0u) << len;
    EXPECT_EQ(b.size(), 8 + n + 4);
    const mae::SafetensorsFile f = mae::read_safetensors(path);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(f.tensors[0].second.data) % 8,
              reinterpret_cast<uintptr_t>(b.data()) % 8);
    // The header is exactly what safetensors_header() produces.
    const std::vector<uint8_t> h = mae::safetensors_header(entries, {});
    EXPECT_TRUE(std::equal(h.begin(), h.end(), b.begin()));
    EXPECT_EQ(h.size() % 8, 0u);
  }
}

TEST(Safetensors, WriterRejectsInvalidEntries) {
  const float x[2] = {1, 2};
  const std::string path = tmp_dir() + "/invalid.safetensors";
  EXPECT_NE(
      mae::test::error_of([&] {
        mae::write_safetensors(path, {{"a", DType::F32, {1}, x, 4}, {"a", DType::F32, {1}, x, 4}});
      }).find("appears twice"),
      std::string::npos);
  EXPECT_NE(mae::test::error_of([&] {
              mae::write_safetensors(path, {{"a", DType::F32, {3}, x, 8}});
            }).find("need 12"),
            std::string::npos);
  EXPECT_NE(mae::test::error_of([&] {
              mae::write_safetensors(path, {{"__metadata__", DType::F32, {1}, x, 4}});
            }).find("reserved"),
            std::string::npos);
  EXPECT_NE(mae::test::error_of([&] {
              mae::write_safetensors(path, {{"a", DType::F32, {-1}, x, 4}});
            }).find("invalid shape"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(mae::temp_path_for(path)));
}

// --- atomic writes ------------------------------------------------------------------

TEST(AtomicFile, FailureBeforeRenameKeepsThePreviousFile) {
  const std::string path = tmp_dir() + "/atomic.safetensors";
  const float v1 = 1.0f, v2 = 2.0f;
  mae::write_safetensors(path, {{"w", DType::F32, {1}, &v1, 4}});
  EXPECT_THROW(mae::write_safetensors(path, {{"w", DType::F32, {1}, &v2, 4}}, {},
                                      [] { throw std::runtime_error("simulated crash"); }),
               std::runtime_error);
  EXPECT_FALSE(fs::exists(mae::temp_path_for(path)));
  EXPECT_FLOAT_EQ(float_at(*mae::read_safetensors(path).find("w"), 0), 1.0f);

  mae::write_safetensors(path, {{"w", DType::F32, {1}, &v2, 4}});
  EXPECT_FLOAT_EQ(float_at(*mae::read_safetensors(path).find("w"), 0), 2.0f);
}

// An output folder that is a link to nothing is said to be one: creating it
// said only "File exists".
TEST(AtomicFile, ADanglingLinkAsAFolderIsNamed) {
  const std::string link = tmp_dir() + "/dangling_" + std::to_string(::getpid());
  fs::remove(link);
  fs::create_symlink("nowhere", link);
  const std::string want = "it is a link to 'nowhere', which does not exist";
  EXPECT_NE(mae::test::error_of([&] { mae::create_folder(link); }).find(want), std::string::npos);
  EXPECT_NE(mae::test::error_of([&] { mae::require_folder_path(link + "/run"); }).find(want),
            std::string::npos);
  fs::remove(link);
}

TEST(AtomicFile, ThrowingWriterLeavesNoTempFile) {
  const std::string path = tmp_dir() + "/atomic.txt";
  mae::write_file_atomic(path, "old", 3);
  EXPECT_THROW(mae::write_file_atomic(path,
                                      [](std::ostream& out) {
                                        out << "half written";
                                        throw std::runtime_error("writer failed");
                                      }),
               std::runtime_error);
  EXPECT_FALSE(fs::exists(mae::temp_path_for(path)));
  const std::vector<uint8_t> b = file_bytes(path);
  EXPECT_EQ(std::string(b.begin(), b.end()), "old");
}

// A write killed mid-way leaves "<path>.tmp-<pid>" (a half model can be
// gigabytes): the next write of that path removes it, and nothing else.
TEST(AtomicFile, TheNextWriteRemovesWhatAKilledOneLeft) {
  const std::string dir = tmp_dir() + "/killed";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = dir + "/model.safetensors", dead = mae::test::dead_pid(),
                    dead_too = mae::test::dead_pid();
  const auto put = [](const std::string& file) { std::ofstream(file) << "half"; };
  put(path + ".tmp-" + dead);                      // a killed write of this path
  put(path + ".tmp-" + std::to_string(getppid())); // a live writer's
  put(dir + "/other.safetensors.tmp-" + dead);     // another path's
  put(dir + "/notes.txt");
  fs::create_symlink(dir + "/notes.txt", dir + "/model.safetensors.tmp-" + dead_too);
  mae::write_file_atomic(path, "new", 3);
  EXPECT_FALSE(fs::exists(path + ".tmp-" + dead));
  EXPECT_TRUE(fs::exists(path + ".tmp-" + std::to_string(getppid())));
  EXPECT_TRUE(fs::exists(dir + "/other.safetensors.tmp-" + dead));
  EXPECT_TRUE(fs::is_symlink(dir + "/model.safetensors.tmp-" + dead_too));
  EXPECT_TRUE(fs::exists(dir + "/notes.txt"));
}

TEST(AtomicFile, WritesLargeStreams) {
  const std::string path = tmp_dir() + "/big.bin";
  std::vector<char> block(3 << 20, 'x');
  mae::write_file_atomic(path, [&](std::ostream& out) {
    out << "head";
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
    out << "tail";
  });
  const std::vector<uint8_t> b = file_bytes(path);
  ASSERT_EQ(b.size(), block.size() + 8);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "head");
  EXPECT_EQ(std::string(b.end() - 4, b.end()), "tail");
}

TEST(AtomicFile, UnwritableDirectoryIsACheckpointError) {
  const std::string msg =
      mae::test::error_of([] { mae::write_file_atomic("/no/such/dir/file.bin", "x", 1); });
  // The file asked for and why, not the temporary file beside it.
  EXPECT_EQ(msg, "cannot write /no/such/dir/file.bin: the folder /no/such/dir does not exist");
}

TEST(AtomicFile, ReadingADirectoryIsACheckpointError) {
  const std::string msg =
      mae::test::error_of([] { mae::read_file_bytes(tmp_dir(), "checkpoint"); });
  EXPECT_NE(msg.find("cannot open checkpoint"), std::string::npos) << msg;
  EXPECT_NE(msg.find("directory"), std::string::npos) << msg;
}

// --- malformed files: each its own reason ------------------------------------------

TEST(SafetensorsBad, FileShorterThan8Bytes) {
  const std::string msg = mae::test::error_of([] {
    mae::parse_safetensors(make_bytes({1, 2, 3}), "bad.st");
  });
  EXPECT_NE(msg.find("bad.st: file is too short"), std::string::npos) << msg;
}

TEST(SafetensorsBad, HeaderLengthPastEndOfFile) {
  const auto file = file_with_header("{}", 0);
  std::vector<uint8_t> b(file->begin(), file->end());
  b[0] = 50;
  const std::string msg =
      mae::test::error_of([&] { mae::parse_safetensors(make_bytes(b), "bad.st"); });
  EXPECT_NE(msg.find("header length 50 runs past the end of the file (10 bytes)"),
            std::string::npos)
      << msg;
}

TEST(SafetensorsBad, AbsurdlyLargeHeaderLength) {
  std::vector<uint8_t> b(64, 0);
  b[7] = 0x01; // 2^56
  const std::string msg =
      mae::test::error_of([&] { mae::parse_safetensors(make_bytes(b), "bad.st"); });
  EXPECT_NE(msg.find("absurdly large"), std::string::npos) << msg;
}

TEST(SafetensorsBad, HeaderNotJson) {
  expect_bad("{\"a\": [1, 2", 0, "not valid JSON");
}

TEST(SafetensorsBad, HeaderNotAnObject) {
  expect_bad("[1, 2, 3]", 0, "not an object");
}

TEST(SafetensorsBad, EntryNotAnObject) {
  expect_bad("{\"x\": 5}", 0, "tensor 'x' is described");
}

TEST(SafetensorsBad, MissingDtype) {
  expect_bad(R"({"x": {"shape": [1], "data_offsets": [0, 4]}})", 4, "tensor 'x' has no \"dtype\"");
}

TEST(SafetensorsBad, MissingShape) {
  expect_bad(R"({"x": {"dtype": "F32", "data_offsets": [0, 4]}})", 4, "has no \"shape\"");
}

TEST(SafetensorsBad, MissingDataOffsets) {
  expect_bad(R"({"x": {"dtype": "F32", "shape": [1]}})", 4, "has no \"data_offsets\"");
}

TEST(SafetensorsBad, WrongJsonTypes) {
  expect_bad(R"({"x": {"dtype": 1, "shape": [1], "data_offsets": [0, 4]}})", 4,
             "\"dtype\" that is not a string");
  expect_bad(R"({"x": {"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}})", 4,
             "\"shape\" that is not an array");
  expect_bad(R"({"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", 4,
             "shape entry that is not an integer: 1.5");
  expect_bad(R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, "4"]}})", 4,
             "not two non-negative integers");
  expect_bad(R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}})", 8,
             "not two non-negative integers");
  expect_bad(R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 4]}})", 8,
             "not two non-negative integers");
}

TEST(SafetensorsBad, UnknownDtype) {
  expect_bad(R"({"x": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}})", 8,
             "tensor 'x' has unknown dtype 'C64'");
}

TEST(SafetensorsBad, NegativeDimension) {
  expect_bad(R"({"x": {"dtype": "F32", "shape": [2, -3], "data_offsets": [0, 4]}})", 4,
             "tensor 'x' has a negative dimension -3");
}

TEST(SafetensorsBad, ShapeProductOverflows) {
  expect_bad(
      R"({"x": {"dtype": "F32", "shape": [4294967296, 4294967296, 16], "data_offsets": [0, 4]}})",
      4, "too many elements");
  expect_bad(R"({"x": {"dtype": "F64", "shape": [2305843009213693952], "data_offsets": [0, 4]}})",
             4, "too many elements");
  expect_bad(R"({"x": {"dtype": "F32", "shape": [18446744073709551615], "data_offsets": [0, 4]}})",
             4, "not an integer");
}

TEST(SafetensorsBad, BeginAfterEnd) {
  expect_bad(R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})", 8,
             "tensor 'x' data_offsets [8, 4] have begin > end");
}

TEST(SafetensorsBad, OffsetsPastEndOfData) {
  expect_bad(R"({"x": {"dtype": "F32", "shape": [222], "data_offsets": [12, 900]}})", 512,
             "tensor 'x' data_offsets [12, 900] past the end of the data section (512 bytes)");
}

TEST(SafetensorsBad, SizeDoesNotMatchShape) {
  expect_bad(R"({"x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})", 24,
             "need 24 bytes (size mismatch)");
}

TEST(SafetensorsBad, OverlappingTensors) {
  expect_bad(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                 "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})",
             24, "tensors 'a' [0, 16] and 'b' [8, 24] overlap");
  // Zero-length tensors overlap nothing.
  const mae::SafetensorsFile f = mae::parse_safetensors(
      file_with_header(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                           "e": {"dtype": "F32", "shape": [0], "data_offsets": [8, 8]}})",
                       16),
      "ok.st");
  EXPECT_EQ(f.tensors.size(), 2u);
}

TEST(SafetensorsBad, MetadataValueNotAString) {
  expect_bad(R"({"__metadata__": {"epoch": 3}})", 0,
             "__metadata__ value for key 'epoch' is not a string");
}

TEST(SafetensorsBad, MetadataNotAnObject) {
  expect_bad(R"({"__metadata__": ["a"]})", 0, "__metadata__ is a JSON array, not an object");
}

// nlohmann would keep the last of repeated keys; other readers may keep the
// first, so one file would mean two models. Found by tests/fuzz.
TEST(SafetensorsBad, DuplicateTensorName) {
  expect_bad(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},)"
             R"( "a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})",
             2, "header names tensor 'a' twice");
}

TEST(SafetensorsBad, DuplicateMetadata) {
  expect_bad(R"({"__metadata__": {"x": "1"}, "__metadata__": {"x": "2"}})", 0,
             "header has __metadata__ twice");
}

TEST(SafetensorsBad, DuplicateKeyInsideAnObject) {
  expect_bad(R"({"a": {"dtype": "U8", "dtype": "F32", "shape": [1], "data_offsets": [0, 1]}})", 4,
             "header has the key 'dtype' twice in one object");
  expect_bad(R"({"__metadata__": {"x": "1", "x": "2"}})", 0,
             "header has the key 'x' twice in one object");
}

TEST(SafetensorsBad, SameKeyInDifferentObjectsIsFine) {
  const auto f = mae::parse_safetensors(
      file_with_header(R"({"__metadata__": {"a": "1"}, "a": {"dtype": "U8", "shape": [1],)"
                       R"( "data_offsets": [0, 1]}, "b": {"dtype": "U8", "shape": [1],)"
                       R"( "data_offsets": [1, 2]}})",
                       2),
      "ok.st");
  EXPECT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.metadata.at("a"), "1");
}

TEST(SafetensorsBad, DeeplyNestedJsonIsRejectedWithoutCrashing) {
  const std::string deep = "{\"x\": {\"dtype\": \"F32\", \"shape\": " + std::string(200000, '[') +
                           std::string(200000, ']') + ", \"data_offsets\": [0, 4]}}";
  expect_bad(deep, 4, "header nests values deeper than any safetensors header");
}

TEST(SafetensorsBad, EmptyHeaderObjectIsValid) {
  const mae::SafetensorsFile f = mae::parse_safetensors(file_with_header("{}", 0), "empty.st");
  EXPECT_TRUE(f.tensors.empty());
}

// --- robustness: truncations and byte flips never crash ------------------------------

namespace {

void parse_and_touch(const std::vector<uint8_t>& bytes) {
  mae::test::parse_and_touch([&] { return mae::parse_safetensors(make_bytes(bytes), "fuzz.st"); });
}

void fuzz_file(const std::vector<uint8_t>& original, uint32_t seed) {
  std::mt19937 rng(seed);
  const size_t header_end =
      std::min<size_t>(original.size(), 8 + static_cast<size_t>(header_length(original)));
  // Truncations: every length through the header, then random ones.
  for (size_t len = 0; len <= header_end + 8 && len <= original.size(); len += 3)
    parse_and_touch(std::vector<uint8_t>(original.begin(), original.begin() + len));
  for (int i = 0; i < 200; ++i) {
    const size_t len = rng() % (original.size() + 1);
    parse_and_touch(std::vector<uint8_t>(original.begin(), original.begin() + len));
  }
  // Flips, mostly in the header where they matter.
  for (int i = 0; i < 1500; ++i) {
    std::vector<uint8_t> b = original;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      const size_t pos = (rng() % 4 == 0) ? rng() % b.size() : rng() % header_end;
      b[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      if (rng() % 4 == 0)
        b[pos] = "0123456789[]{},\":-e. "[rng() % 21]; // JSON-ish bytes reach deeper
    }
    parse_and_touch(b);
  }
}

} // namespace

TEST(SafetensorsFuzz, TruncationsAndByteFlipsThrowOnlyCheckpointError) {
  fuzz_file(file_bytes(kHf), 1);
  fuzz_file(file_bytes(kExpected), 2);
  fuzz_file(file_bytes(MAE_TEST_DATA "/vitmae/rgb32_p4/inputs.safetensors"), 3);
  const std::string path = tmp_dir() + "/fuzz_src.safetensors";
  const int64_t v[3] = {1, 2, 3};
  mae::write_safetensors(path,
                         {{"a", DType::I64, {3}, v, 24},
                          {"b", DType::I8, {2, 2}, v, 4},
                          {"c", DType::BF16, {0}, nullptr, 0}},
                         {{"k", "v"}});
  fuzz_file(file_bytes(path), 4);
}

namespace {

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>((i * 131) ^ (i >> 8));
  return v;
}

} // namespace

TEST(FileBytes, RegularFileIsMappedWithItsExactContents) {
  const std::string path = tmp_dir() + "/mapped.bin";
  const auto want = pattern(300001);
  mae::write_file_atomic(path, want.data(), want.size());
  const auto got = mae::read_file_bytes(path, "test file");
  EXPECT_TRUE(got->mapped());
  ASSERT_EQ(got->size(), want.size());
  EXPECT_TRUE(std::equal(got->begin(), got->end(), want.begin()));
}

TEST(FileBytes, OnlyRegularFilesAreOpenedAndAnEmptyOneIsRead) {
  // A FIFO would block in open() until a writer came; /dev/zero never ends.
  const std::string fifo = tmp_dir() + "/pipe";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(mae::test::error_of([&] { mae::read_file_bytes(fifo, "test pipe"); }).find("a FIFO"),
            std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(mae::test::error_of([] {
              mae::read_file_bytes("/dev/zero", "test device");
            }).find("a device"),
            std::string::npos);
  EXPECT_NE(mae::test::error_of([] { mae::read_file_bytes("/", "test dir"); }).find("directory"),
            std::string::npos);

  const std::string empty = tmp_dir() + "/empty.bin";
  std::ofstream(empty).close();
  EXPECT_EQ(mae::read_file_bytes(empty, "test file")->size(), 0u);
}
