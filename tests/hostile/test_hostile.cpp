// Hostile inputs against the `mae` command line, as a user (or an attacker)
// would give them: broken and oversized checkpoints, images and configs,
// tampered resume state, wild arguments, special files, and outputs that
// would destroy what the user had. Every case runs in its own process under
// a time and an address-space limit and must end in a clear one-line error
// (or a warning and success), never a crash, a hang, a stack trace or an
// "internal error", and must leave the user's files as they were.
//
// MAE_HOSTILE_CLI=<path to another mae> runs the same cases against another
// build (e.g. an older one, to count what it got wrong).
#include "limited_run.h"
#include "slurp.h"

#include "data/fashion_mnist.h"
#include "formats/safetensors.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace mae {
namespace {

const std::string kFixtures = MAE_TEST_DATA;
const std::string kHf = kFixtures + "/vitmae/rgb32_p4/hf";
const std::string kPth = kFixtures + "/vitmae/rgb32_p4/official.pth";
const std::string kPhoto = kFixtures + "/images/photo.jpg";
constexpr size_t kMemoryLimit = size_t{6} << 30; // LibTorch alone reserves ~1-2 GB of addresses

std::string cli() {
  const char* other = std::getenv("MAE_HOSTILE_CLI");
  return other && *other ? other : MAE_CLI_PATH;
}

std::string dir_for(const std::string& name) {
  const fs::path d = fs::path(MAE_TEST_TMP) / "hostile" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
  return s;
}

// What every case must satisfy, whatever its expected outcome.
void expect_no_crash(const test::LimitedRun& r, const std::string& what) {
  EXPECT_FALSE(r.timed_out) << what << ": hung (killed after the time limit)";
  EXPECT_EQ(r.signal, 0) << what << ": killed by signal " << r.signal << "\n" << r.err;
  for (const char* bad : {"internal error", "terminate called", "Exception raised from", "frame #",
                          "std::bad_alloc", "stoll", "map::at", "basic_filebuf"})
    EXPECT_EQ(r.err.find(bad), std::string::npos) << what << ": stderr shows '" << bad << "'\n"
                                                  << r.err;
}

// Runs `mae args...` and expects a failure with `code` whose message holds `phrase`.
test::LimitedRun expect_error(const std::string& what, const std::vector<std::string>& args,
                              int code, const std::string& phrase, double timeout_s = 60) {
  std::vector<std::string> argv{cli()};
  argv.insert(argv.end(), args.begin(), args.end());
  const test::LimitedRun r =
      test::run_limited(argv, dir_for("run_" + what), timeout_s, kMemoryLimit);
  expect_no_crash(r, what);
  EXPECT_EQ(r.code, code) << what << "\n" << r.err;
  EXPECT_NE(r.err.find(phrase), std::string::npos) << what << ": expected '" << phrase << "' in\n"
                                                   << r.err;
  EXPECT_LT(r.err.size(), 4000u) << what << ": a message, not a dump";
  return r;
}

test::LimitedRun expect_success(const std::string& what, const std::vector<std::string>& args,
                                double timeout_s = 60) {
  std::vector<std::string> argv{cli()};
  argv.insert(argv.end(), args.begin(), args.end());
  const test::LimitedRun r =
      test::run_limited(argv, dir_for("run_" + what), timeout_s, kMemoryLimit);
  expect_no_crash(r, what);
  EXPECT_EQ(r.code, 0) << what << "\n" << r.err;
  return r;
}

class Hostile : public ::testing::Test {
protected:
  // One small model in our format and one short training run, shared by the cases.
  static void SetUpTestSuite() {
    // Per process: ctest runs each case in a process of its own, in parallel.
    root_ = dir_for("shared_" + std::to_string(::getpid()));
    model_ = root_ + "/small.safetensors";
    std::vector<std::string> argv{cli(), "convert", kHf, "--out", model_, "--threads", "1"};
    const auto r = test::run_limited(argv, root_, 60, kMemoryLimit);
    ASSERT_EQ(r.code, 0) << r.err;
    config_ = root_ + "/tiny.json";
    std::ofstream(config_) << R"({"name": "tiny", "model": {"img_size": 16, "patch_size": 4,
      "in_chans": 3, "embed_dim": 32, "depth": 1, "num_heads": 2, "decoder_embed_dim": 16,
      "decoder_depth": 1, "decoder_num_heads": 2, "mlp_ratio": 2.0},
      "data": {"type": "synthetic", "synthetic_count": 16, "synthetic_size": 20},
      "batch_size": 8, "total_steps": 2, "log_every": 1, "num_workers": 0})";
    run_ = root_ + "/run";
    argv = {cli(),      "train", "--config",  config_, "--out",  run_,
            "--device", "cpu",   "--threads", "1",     "--quiet"};
    const auto t = test::run_limited(argv, root_, 120, kMemoryLimit);
    ASSERT_EQ(t.code, 0) << t.err;
  }

  // A copy of the run's checkpoint with `edit` applied to its metadata and tensors.
  static std::string tampered_run(
      const std::string& name,
      const std::function<void(std::map<std::string, std::string>&,
                               std::vector<std::vector<uint8_t>>&, SafetensorsFile&)>& edit) {
    const std::string dir = dir_for(name);
    fs::copy(run_, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    const std::string ckpt = dir + "/checkpoint.safetensors";
    SafetensorsFile f = read_safetensors(ckpt);
    std::map<std::string, std::string> meta = f.metadata;
    std::vector<std::vector<uint8_t>> bytes;
    for (const auto& [n, t] : f.tensors)
      bytes.push_back(t.contiguous_bytes());
    edit(meta, bytes, f);
    std::vector<SafetensorsEntry> entries;
    size_t i = 0;
    for (const auto& [n, t] : f.tensors) {
      entries.push_back({n, t.dtype, t.shape, bytes[i].data(), bytes[i].size()});
      ++i;
    }
    write_safetensors(ckpt + ".new", entries, meta);
    fs::rename(ckpt + ".new", ckpt);
    return dir;
  }

  // The same, editing each tensor (its name, its bytes, its dtype and shape).
  static std::string tampered_tensors(
      const std::string& name,
      const std::function<void(const std::string&, std::vector<uint8_t>&, TensorView&)>& edit) {
    return tampered_run(name, [&](auto&, auto& bytes, SafetensorsFile& f) {
      size_t i = 0;
      for (auto& [n, t] : f.tensors)
        edit(n, bytes[i++], t);
    });
  }

  static std::string root_, model_, config_, run_;
};
std::string Hostile::root_, Hostile::model_, Hostile::config_, Hostile::run_;

// ---- checkpoints -------------------------------------------------------

TEST_F(Hostile, CheckpointsThatAreNotCheckpoints) {
  const std::string d = dir_for("ckpt_files");
  test::write_file(d + "/garbage.safetensors", "this is not a checkpoint at all");
  expect_error("garbage", {"info", d + "/garbage.safetensors"}, 1, "garbage.safetensors");
  test::write_file(d + "/huge_header.safetensors", le64(uint64_t{1} << 62) + "{}");
  expect_error("huge_header", {"info", d + "/huge_header.safetensors"}, 1, "huge_header");
  const std::string model = test::slurp(model_);
  test::write_file(d + "/cut.safetensors", model.substr(0, model.size() / 2));
  expect_error("cut", {"info", d + "/cut.safetensors"}, 1, "cut.safetensors");
  fs::create_directories(d + "/dir.safetensors");
  expect_error("directory", {"info", d + "/dir.safetensors"}, 1, "dir.safetensors");
  expect_error("missing", {"info", d + "/nothing.safetensors"}, 1, "nothing.safetensors");
}

TEST_F(Hostile, SpecialFilesAreRefusedAtOnce) {
  const std::string d = dir_for("special");
  ASSERT_EQ(::mkfifo((d + "/fifo.safetensors").c_str(), 0600), 0);
  expect_error("fifo_model", {"info", d + "/fifo.safetensors"}, 1, "FIFO", 20);
  expect_error("dev_zero", {"info", "/dev/zero"}, 1, "device", 20);
  expect_error("dev_urandom", {"info", "/dev/urandom"}, 1, "device", 20);
  ASSERT_EQ(::mkfifo((d + "/fifo.png").c_str(), 0600), 0);
  expect_error(
      "fifo_image",
      {"reconstruct", "--model", model_, "--image", d + "/fifo.png", "--out", d + "/fig.png"}, 1,
      "FIFO", 20);
  ASSERT_EQ(::mkfifo((d + "/fifo.json").c_str(), 0600), 0);
  expect_error("fifo_config", {"train", "--config", d + "/fifo.json"}, 1, "FIFO", 20);
}

TEST_F(Hostile, ASafetensorsHeaderLengthStartingWith0x80IsStillSafetensors) {
  // Re-pad our file's header so its length's first byte is 0x80 (the pickle PROTO opcode).
  const std::string bytes = test::slurp(model_);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = n << 8 | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  std::string header = bytes.substr(8, n);
  uint64_t padded = 0x80; // a multiple of 8, as safetensors wants
  while (padded < header.size())
    padded += 256;
  header.resize(padded, ' ');
  const std::string d = dir_for("proto_byte");
  test::write_file(d + "/m.safetensors", le64(padded) + header + bytes.substr(8 + n));
  ASSERT_EQ(static_cast<uint8_t>(test::slurp(d + "/m.safetensors")[0]), 0x80);
  expect_success("proto_byte", {"info", d + "/m.safetensors"});
}

TEST_F(Hostile, ConfigsAskingForHugeModelsAllocateNothing) {
  const std::string d = dir_for("huge_hf");
  fs::copy(kHf, d + "/hf", fs::copy_options::recursive);
  std::string config = test::slurp(kHf + "/config.json");
  const size_t at = config.find("\"num_hidden_layers\"");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, config.find(',', at) - at, "\"num_hidden_layers\": 1000000");
  test::write_file(d + "/hf/config.json", config);
  expect_error("hf_layers", {"info", d + "/hf"}, 1, "num_hidden_layers", 30);
  // Our own file whose recorded architecture asks for a 2^20-wide, million-block model.
  SafetensorsFile f = read_safetensors(model_);
  std::string mae_config = f.metadata.at("mae_config");
  const size_t e = mae_config.find("\"embed_dim\"");
  mae_config.replace(e, mae_config.find(',', e) - e, "\"embed_dim\": 1048576");
  std::map<std::string, std::string> meta = f.metadata;
  meta["mae_config"] = mae_config;
  std::vector<std::vector<uint8_t>> keep;
  std::vector<SafetensorsEntry> entries;
  for (const auto& [n, t] : f.tensors) {
    keep.push_back(t.contiguous_bytes());
    entries.push_back({n, t.dtype, t.shape, keep.back().data(), keep.back().size()});
  }
  write_safetensors(d + "/wide.safetensors", entries, meta);
  expect_error("wide", {"info", d + "/wide.safetensors"}, 1, "embed_dim", 30);
  meta["mae_config"] = f.metadata.at("mae_config");
  meta["format_version"] = "1junk";
  write_safetensors(d + "/junk_version.safetensors", entries, meta);
  expect_error("junk_version", {"info", d + "/junk_version.safetensors"}, 1, "1junk");
}

// A model's recorded normalisation of the wrong shape: named with its file,
// in words ("[json.exception.type_error.302] type must be array" before).
TEST_F(Hostile, AMalformedNormalisationNamesTheFile) {
  SafetensorsFile f = read_safetensors(model_);
  std::vector<SafetensorsEntry> entries;
  for (const auto& [n, t] : f.tensors)
    entries.push_back({n, t.dtype, t.shape, t.data, t.nbytes()});
  const std::string d = dir_for("bad_normalization");
  for (const char* bad : {R"({"mean": "grey", "std": [1, 1, 1]})", R"({"mean": [0.5]})", "[1]"}) {
    auto meta = f.metadata;
    meta["normalization"] = bad;
    write_safetensors(d + "/norm.safetensors", entries, meta);
    for (const char* command : {"info", "reconstruct"}) {
      std::vector<std::string> args{command};
      if (std::string(command) == "info")
        args.push_back(d + "/norm.safetensors");
      else
        args.insert(args.end(), {"--model", d + "/norm.safetensors", "--image", kPhoto, "--out",
                                 d + "/fig.png"});
      const auto r =
          expect_error(std::string("norm_") + command, args, 1, d + "/norm.safetensors: metadata");
      EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
    }
  }
  EXPECT_FALSE(fs::exists(d + "/fig.png"));
}

TEST_F(Hostile, NonFiniteWeightsLoadWithAWarning) {
  SafetensorsFile f = read_safetensors(model_);
  std::vector<std::vector<uint8_t>> keep;
  std::vector<SafetensorsEntry> entries;
  for (const auto& [n, t] : f.tensors) {
    keep.push_back(t.contiguous_bytes());
    if (t.dtype == DType::F32)
      for (size_t i = 0; i + 4 <= keep.back().size(); i += 4) // 0x7FC00000: NaN
        keep.back()[i + 2] = 0xC0, keep.back()[i + 3] = 0x7F,
                        keep.back()[i] = keep.back()[i + 1] = 0;
    entries.push_back({n, t.dtype, t.shape, keep.back().data(), keep.back().size()});
  }
  const std::string d = dir_for("nan_weights");
  write_safetensors(d + "/nan.safetensors", entries, f.metadata);
  const auto r = expect_success("nan_info", {"info", d + "/nan.safetensors"});
  EXPECT_NE(r.out.find("NaN or infinite"), std::string::npos) << r.out;
  // A probe or a fine-tune of them printed "top-1 8.00%" (or failed steps later,
  // advising a lower blr): refused at load, naming the tensor.
  expect_error("nan_probe", {"probe", "--model", d + "/nan.safetensors"}, 1,
               "NaN or infinite values (");
  expect_error("nan_probe", {"probe", "--model", d + "/nan.safetensors"}, 1,
               "a linear probe of these weights would mean nothing");
  expect_error("nan_finetune", {"finetune", "--model", d + "/nan.safetensors", "--out", d + "/ft"},
               1, "fine-tuning of these weights would mean nothing");
  EXPECT_FALSE(fs::exists(d + "/ft/finetune.json"));
  // eval-recon scored NaN turned into pixels: "MAE MSE 0.22254 (+1920%)".
  expect_error("nan_eval_recon",
               {"eval-recon", "--model", d + "/nan.safetensors", "--images", kPhoto, "--seeds", "1",
                "--csv", d + "/nan.csv"},
               1, "an evaluation of these weights would mean nothing");
  EXPECT_FALSE(fs::exists(d + "/nan.csv"));
  // posembed said "colorize: the range must have hi > lo".
  expect_error("nan_posembed",
               {"posembed", "--model", d + "/nan.safetensors", "--out", d + "/pe.png"}, 1,
               "encoder position embeddings hold NaN or infinite values");
  // The figure is made (the warning says why it is noise); the MSE is not "-nan".
  const auto figure =
      expect_success("nan_reconstruct", {"reconstruct", "--model", d + "/nan.safetensors",
                                         "--image", kPhoto, "--out", d + "/nan.png"});
  EXPECT_NE(figure.out.find("masked-region MSE not finite"), std::string::npos) << figure.out;
}

// ---- images ------------------------------------------------------------

// A PNG signature and IHDR chunk claiming `w` x `h` pixels, and nothing else.
std::string png_header(uint32_t w, uint32_t h) {
  std::string s = "\x89PNG\r\n\x1a\n";
  s += std::string("\0\0\0\x0dIHDR", 8);
  for (uint32_t v : {w, h})
    for (int i = 3; i >= 0; --i)
      s += static_cast<char>(v >> (8 * i));
  s += std::string("\x08\x02\0\0\0\0\0\0\0", 9);
  return s;
}

TEST_F(Hostile, ImagesThatAreNotImagesOrTooLarge) {
  const std::string d = dir_for("images");
  const auto recon = [&](const std::string& name, const std::string& image, int code,
                         const std::string& phrase) {
    return expect_error(name,
                        {"reconstruct", "--model", model_, "--image", image, "--out",
                         d + "/" + name + "_fig.png", "--threads", "1"},
                        code, phrase, 30);
  };
  test::write_file(d + "/text.png", "this is text, not a PNG\n");
  recon("text_png", d + "/text.png", 1, "text.png");
  test::write_file(d + "/strip.png", png_header(1, 100000));
  recon("strip_png", d + "/strip.png", 1, "elongated");
  test::write_file(d + "/huge.png", png_header(30000, 30000));
  recon("huge_png", d + "/huge.png", 1, "Mpx");
  fs::create_directories(d + "/dir.png");
  recon("dir_png", d + "/dir.png", 1, "directory");
  recon("no_image", d + "/missing.png", 1, "missing.png");
  // OpenCV's DICOM decoder aborted the process on these 132 bytes (the fuzzer's find).
  test::write_file(d + "/scan.png",
                   test::slurp(std::string(MAE_SOURCE_DIR) +
                               "/tests/fuzz/regressions/image/dicom_assert_abort.bin"));
  recon("dicom_png", d + "/scan.png", 1, "scan.png: not an image, or a format not supported");
  // BMPs whose headers OpenCV asserts on (a compression code, a palette of 999
  // colours, a header cut short): refused by us, before OpenCV prints its
  // exception ("imdecode_(''): can't read header: ...") on stderr.
  const std::string bmp_start("BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x02\0\0\0\x02\0\0\0\x01\0",
                              28);
  const std::string zeros(64, '\0');
  const std::string to_colours(12, '\0'); // image size, resolution: up to the colour count
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"odd_bmp", bmp_start + std::string("\x18\0\x09\0\0\0", 6) + zeros},
           {"palette_bmp",
            bmp_start + std::string("\x08\0\0\0\0\0", 6) + to_colours + "\xe7\x03" + zeros},
           {"short_bmp", bmp_start + std::string("\x18\0\0\0\0\0", 6)}}) {
    test::write_file(d + "/" + name + ".bmp", bytes);
    const auto r = recon(name, d + "/" + name + ".bmp", 1,
                         name + ".bmp: a BMP header without a readable size: corrupt or cut short");
    EXPECT_EQ(r.err.find("imdecode_"), std::string::npos) << r.err;
  }
  // A JPEG cut short decodes partially, and says so.
  const std::string jpeg = test::slurp(kPhoto);
  test::write_file(d + "/cut.jpg", jpeg.substr(0, jpeg.size() / 2));
  const auto r =
      expect_success("cut_jpeg", {"reconstruct", "--model", model_, "--image", d + "/cut.jpg",
                                  "--out", d + "/cut_fig.png", "--threads", "1"});
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
}

// ---- training configs --------------------------------------------------

TEST_F(Hostile, ConfigsWithNumbersNoRunCanUse) {
  const std::string d = dir_for("configs");
  const std::string base = test::slurp(config_);
  const auto with = [&](const std::string& name, const std::string& key, const std::string& value,
                        const std::string& phrase) {
    std::string text = base;
    const size_t at = text.find("\"" + key + "\"");
    ASSERT_NE(at, std::string::npos) << key;
    const size_t end = text.find_first_of(",}", at);
    text.replace(at, end - at, "\"" + key + "\": " + value);
    test::write_file(d + "/" + name + ".json", text);
    expect_error(name,
                 {"train", "--config", d + "/" + name + ".json", "--out", d + "/" + name,
                  "--device", "cpu", "--threads", "1", "--quiet"},
                 1, phrase, 30);
  };
  with("batch_1e9", "batch_size", "1000000000", "batch_size");
  with("batch_wrap", "batch_size", "4294967312", "batch_size");
  with("steps_1e18", "total_steps", "1000000000000000000", "total_steps");
  with("img_wrap", "img_size", "4294967324", "img_size");
  with("synthetic_huge", "synthetic_size", "100000", "data.synthetic_size"); // 30 GB a picture
  with("name_escapes", "name", "\"../../escape\"", "'name'");                // wrote outside runs/
  // Fields the base lacks, added to the model (mask, loss) or the top (rates).
  const auto adding = [&](const std::string& name, const std::string& after,
                          const std::string& fields, const std::string& phrase) {
    std::string text = base;
    text.insert(text.find(after) + after.size(), ", " + fields);
    test::write_file(d + "/" + name + ".json", text);
    expect_error(name,
                 {"train", "--config", d + "/" + name + ".json", "--out", d + "/" + name,
                  "--device", "cpu", "--threads", "1", "--quiet"},
                 1, phrase, 30);
  };
  adding("keeps_nothing", "\"mlp_ratio\": 2.0", "\"mask_ratio\": 0.999",
         "'mask_ratio': 0.999000 keeps 0 of 16 patches");
  adding("removes_nothing", "\"mlp_ratio\": 2.0", "\"mask_ratio\": 0", "'mask_ratio'");
  {
    // Gray 1 x 1 patches: norm_pix_loss would divide by the spread of one value.
    std::string text = base;
    const std::pair<std::string, std::string> edits[] = {
        {"\"patch_size\": 4", "\"patch_size\": 1"},
        {"\"in_chans\": 3", "\"in_chans\": 1"},
        {"\"mlp_ratio\": 2.0", "\"mlp_ratio\": 2.0, \"norm_pix_loss\": true"},
        {"\"batch_size\": 8",
         "\"batch_size\": 8, \"normalization\": {\"mean\": [0.5], \"std\": [0.5]}"}};
    for (const auto& [from, to] : edits) {
      ASSERT_NE(text.find(from), std::string::npos) << from;
      text.replace(text.find(from), from.size(), to);
    }
    test::write_file(d + "/one_value_patches.json", text);
    expect_error("one_value_patches",
                 {"train", "--config", d + "/one_value_patches.json", "--out",
                  d + "/one_value_patches", "--device", "cpu", "--threads", "1", "--quiet"},
                 1, "'norm_pix_loss'", 30);
  }
  adding("lr_1e300", "\"batch_size\": 8", "\"lr\": 1e300", "'lr'"); // overflowed float later
  // The JSON library kept the last of two without a word.
  adding("batch_twice", "\"batch_size\": 8", "\"batch_size\": 4",
         "the key 'batch_size' appears twice in one object");
  adding("decay_1e300", "\"batch_size\": 8", "\"weight_decay\": 1e300", "'weight_decay'");
  // Within every bound but this machine's memory: 20000 images of 224 px
  // through ViT-B/16 need some 2 TB; refused before anything is allocated.
  std::string vit_b = R"({"name": "big", "arch": "mae_vit_base_patch16", "batch_size": 20000,
    "total_steps": 2, "data": {"type": "synthetic", "synthetic_count": 16, "synthetic_size": 20}})";
  test::write_file(d + "/batch_memory.json", vit_b);
  const auto big = expect_error("batch_memory",
                                {"train", "--config", d + "/batch_memory.json", "--out", d + "/b",
                                 "--device", "cpu", "--threads", "1", "--quiet"},
                                1, "available", 30);
  EXPECT_NE(big.err.find("use batch_size"), std::string::npos) << big.err;
  expect_error("bench_memory",
               {"bench", "--mode", "train", "--arch", "mae_vit_large_patch16", "--batch", "8192",
                "--device", "cpu", "--threads", "1"},
               1, "--batch: 8192 images need", 30);
  std::string epochs = base;
  epochs.replace(epochs.find("\"total_steps\": 2"), 16, "\"epochs\": 1e300");
  test::write_file(d + "/epochs.json", epochs);
  expect_error("epochs_1e300", {"train", "--config", d + "/epochs.json", "--out", d + "/e"}, 1,
               "epochs");
  test::write_file(d + "/not_json.json", "{ this is not json");
  expect_error("not_json", {"train", "--config", d + "/not_json.json"}, 1, "not valid JSON");
  fs::create_directories(d + "/config.json");
  expect_error("dir_config", {"train", "--config", d + "/config.json"}, 1, "directory");
}

// ---- resume state ------------------------------------------------------

TEST_F(Hostile, TamperedResumeStatesAreRefused) {
  const auto resume = [&](const std::string& name, const std::string& dir,
                          const std::string& phrase) {
    expect_error(
        name,
        {"train", "--resume", dir, "--steps", "4", "--device", "cpu", "--threads", "1", "--quiet"},
        1, phrase, 60);
  };
  resume("negative_step",
         tampered_run("negative_step", [](auto& meta, auto&, auto&) { meta["step"] = "-5"; }),
         "'step'");
  resume("text_step",
         tampered_run("text_step", [](auto& meta, auto&, auto&) { meta["step"] = "banana"; }),
         "'step'");
  resume("huge_step",
         tampered_run("huge_step",
                      [](auto& meta, auto&, auto&) { meta["step"] = "99999999999999999999999"; }),
         "'step'");
  resume(
      "no_model_config",
      tampered_run("no_model_config", [](auto& meta, auto&, auto&) { meta.erase("mae_config"); }),
      "mae_config");
  resume("nan_optimizer",
         tampered_tensors("nan_optimizer",
                          [](const std::string& n, std::vector<uint8_t>& bytes, TensorView&) {
                            if (n.find("exp_avg") != std::string::npos)
                              for (size_t b = 0; b + 4 <= bytes.size(); b += 4)
                                bytes[b + 3] = 0x7F, bytes[b + 2] = 0xC0;
                          }),
         "NaN");
  resume("short_rng",
         tampered_tensors("short_rng",
                          [](const std::string& n, std::vector<uint8_t>& bytes, TensorView& t) {
                            if (n.find("rng") != std::string::npos) {
                              bytes.resize(16);
                              t.shape = {16};
                            }
                          }),
         "random number generator");
  // The logging window: a missing sum was std::map::at's "map::at"; NaN was logged as the loss.
  resume("no_window_sum",
         tampered_run("no_window_sum",
                      [](auto& meta, auto&, auto&) { meta.erase("window_loss_sum"); }),
         "no 'window_loss_sum'");
  resume("nan_window_sum",
         tampered_run("nan_window_sum",
                      [](auto& meta, auto&, auto&) { meta["window_loss_sum"] = "nan"; }),
         "'window_loss_sum' in the saved state is not a finite number");
  resume("window_too_long",
         tampered_run("window_too_long",
                      [](auto& meta, auto&, auto&) {
                        meta["window_first_step"] = meta["step"];
                        meta["window_steps"] = meta["step"];
                      }),
         "'window_steps'");
  // Weights as bytes were converted to floats without a word.
  resume("u8_weights",
         tampered_tensors("u8_weights",
                          [](const std::string& n, std::vector<uint8_t>& bytes, TensorView& t) {
                            if (n.rfind("model/", 0) == 0) {
                              bytes.resize(bytes.size() / 4);
                              t.dtype = DType::U8;
                            }
                          }),
         "is U8, expected F32");
  // AdamW divides by the square root of its second moments.
  resume("negative_moments",
         tampered_tensors("negative_moments",
                          [](const std::string& n, std::vector<uint8_t>& bytes, TensorView&) {
                            if (n.find("exp_avg_sq/") != std::string::npos)
                              for (size_t b = 0; b + 4 <= bytes.size(); b += 4)
                                bytes[b + 3] = static_cast<uint8_t>(bytes[b + 3] | 0x80);
                          }),
         "holds negative values");
  // A FIFO in place of metrics.jsonl waited for ever.
  const std::string fifo = tampered_run("metrics_fifo", [](auto&, auto&, auto&) {});
  fs::remove(fifo + "/metrics.jsonl");
  ASSERT_EQ(::mkfifo((fifo + "/metrics.jsonl").c_str(), 0600), 0);
  resume("metrics_fifo", fifo, "it is a FIFO");
  // Saved at step 2, resumed as a 1-step run: it "finished" and saved the shorter config.
  const std::string past = tampered_run("past_the_end", [](auto&, auto&, auto&) {});
  const std::string config_before = test::slurp(past + "/config.json");
  expect_error("past_the_end",
               {"train", "--resume", past, "--steps", "1", "--device", "cpu", "--threads", "1"}, 2,
               "was saved at step 2, beyond this run's 1 step: give --steps 2 or more");
  EXPECT_EQ(test::slurp(past + "/config.json"), config_before);
}

// ---- arguments ---------------------------------------------------------

TEST_F(Hostile, ArgumentsOutOfRange) {
  const std::string d = dir_for("args");
  const std::vector<std::string> recon{"reconstruct", "--model", model_,        "--image",
                                       kPhoto,        "--out",   d + "/fig.png"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = recon;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  expect_error("seed_overflow", with({"--seed", "99999999999999999999999"}), 2,
               "--seed must be in [0, 4294967295], got 99999999999999999999999");
  // A negative count was taken for "automatic" without a word.
  expect_error("threads_negative", with({"--threads", "-5"}), 2,
               "--threads must be 0 (automatic) or a count of threads, got -5");
  expect_error("pack_threads_negative",
               {"pack", "--input", d, "--out", d + "/pack", "--threads", "-1"}, 2,
               "--threads must be 0 (automatic)");
  // Outputs and options that were dropped without a word.
  expect_error("finetune_out_empty", {"finetune", "--model", model_, "--out", ""}, 2,
               "--out must name a file or folder, not \"\"");
  // A folder of the user's as --out: its files were kept, but metrics.jsonl
  // (a pre-training run's) replaced and a fine-tune's three files mixed in.
  const std::string mine = d + "/mine";
  fs::create_directories(mine);
  std::ofstream(mine + "/thesis.tex") << "mine";
  std::ofstream(mine + "/metrics.jsonl") << "a pre-training run's";
  expect_error("finetune_into_others", {"finetune", "--model", model_, "--out", mine}, 2,
               "holds no fine-tune (metrics.jsonl, thesis.tex): choose another folder");
  EXPECT_EQ(test::slurp(mine + "/metrics.jsonl"), "a pre-training run's");
  expect_error(
      "bench_profile_data",
      {"bench", "--mode", "data", "--profile", d + "/p.json", "--arch", "mae_vit_micro_patch4_28"},
      2, "--profile traces --mode train or infer, not data");
  expect_error("bench_arch_and_config",
               {"bench", "--arch", "mae_vit_micro_patch4_28", "--model-config",
                kFixtures + "/vitmae/rgb32_p4/mae_config.json"},
               2, "give --arch or --model-config, not both");
  expect_error("bench_workers_100",
               {"bench", "--workers", "100", "--arch", "mae_vit_micro_patch4_28"}, 2,
               "--workers must be in [0, 64]"); // was the config's 'num_workers'
  expect_error("bench_peak_0", {"bench", "--peak-tflops", "0", "--arch", "mae_vit_micro_patch4_28"},
               2, "--peak-tflops must be positive");
  expect_error("probe_val_path_fmnist",
               {"probe", "--model", model_, "--data", "fmnist", "--val-path", d}, 2,
               "--val-path is for --data folder or shards");
  expect_error("probe_blr_1e300", {"probe", "--model", model_, "--blr", "1e300"}, 2,
               "--blr must be in (0, 100]");
  expect_error("probe_pool_raw", {"probe", "--raw-pixels", "--pool", "mean"}, 2,
               "--raw-pixels has none");
  // A model or a picture given as the config: said so ("last read: '0M'" before).
  expect_error("config_is_a_model", {"train", "--config", model_}, 1,
               "not a JSON text file: it holds binary data (a model or an archive?)");
  expect_error("config_is_a_picture", {"train", "--config", kPhoto}, 1,
               "it holds binary data (a JPEG picture)");
  // The head's BatchNorm failed on a batch of one, after minutes of features,
  // in LibTorch's words ("Expected more than 1 value per channel").
  expect_error("probe_batch_1", {"probe", "--model", model_, "--raw-pixels", "--batch-size", "1"},
               2, "--batch-size must be in [2, 65536], got 1");
  if (fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
    expect_error(
        "probe_one_image",
        {"probe", "--model", model_, "--raw-pixels", "--max-train", "1", "--max-test", "5"}, 1,
        "a linear probe needs at least 2 training images");
  // A HuggingFace config.json's boolean that is text was the JSON library's type error.
  fs::copy(kHf, d + "/hf_text_bool", fs::copy_options::recursive);
  std::string hf_config = test::slurp(d + "/hf_text_bool/config.json");
  hf_config.insert(hf_config.rfind('}'), ", \"norm_pix_loss\": \"yes\""); // the last one counts
  test::write_file(d + "/hf_text_bool/config.json", hf_config);
  expect_error("hf_text_bool", {"info", d + "/hf_text_bool"}, 1, "'norm_pix_loss'");
  // A batch of no pictures printed "loss 0" and exited 0.
  write_safetensors(d + "/empty.safetensors",
                    {{"pixel_values", DType::F32, {0, 3, 32, 32}, nullptr, 0}}, {});
  expect_error("forward_empty_batch",
               {"forward", "--model", kHf, "--inputs", d + "/empty.safetensors", "--out",
                d + "/t.safetensors"},
               1, "pixel_values must be [B,C,H,W] with at least one picture");
  // Smaller than a patch: "removes all 0 patches ... (at most -inf here)".
  const std::vector<float> tiny(3 * 3 * 3, 0.5f);
  write_safetensors(d + "/tiny.safetensors",
                    {{"pixel_values", DType::F32, {1, 3, 3, 3}, tiny.data(), tiny.size() * 4}}, {});
  expect_error("forward_smaller_than_a_patch",
               {"forward", "--model", kHf, "--inputs", d + "/tiny.safetensors", "--out",
                d + "/t.safetensors"},
               1, "pixel_values are 3x3 pixels, not a grid of the model's patches");
  // NaN pixels wrote "loss nan" as a result and exited 0: refused as a bad file.
  const std::vector<float> nan_pixels(3 * 32 * 32, std::numeric_limits<float>::quiet_NaN());
  write_safetensors(
      d + "/nan.safetensors",
      {{"pixel_values", DType::F32, {1, 3, 32, 32}, nan_pixels.data(), nan_pixels.size() * 4}}, {});
  expect_error("forward_nan",
               {"forward", "--model", kHf, "--inputs", d + "/nan.safetensors", "--out",
                d + "/t.safetensors"},
               1, "'pixel_values' holds NaN or infinite values");
  // Counts that overflowed an int: 3e7 x the short side, 0.9 / 1e-30 frames.
  expect_error("pack_aspect", {"pack", "--input", d, "--out", d + "/pack", "--max-aspect", "3e7"},
               2, "--max-aspect must be in [1, 32], got 3e7");
  expect_error("sweep_tiny_step",
               {"reconstruct", "--model", model_, "--image", kPhoto, "--sweep", "0:0.9:1e-30",
                "--out", d + "/sweep.avi"},
               2, "the sweep makes more than 10^12 frames; at most 400");
  // A cast would make -1 the seed 18446744073709551615.
  expect_error("seed_negative", with({"--seed", "-1"}), 2,
               "--seed must be in [0, 4294967295], got -1");
  // A random mask's generator keeps 32 bits: 2^32 would be seed 0's mask again.
  expect_error("seed_2_32", with({"--seed", "4294967296"}), 2,
               "--seed must be in [0, 4294967295], got 4294967296");
  expect_error("seed_2_64", with({"--seed", "18446744073709551615"}), 2,
               "--seed must be in [0, 4294967295], got 18446744073709551615");
  expect_error("threads_1000", with({"--threads", "1000"}), 2, "threads");
  expect_error("ratio_nan", with({"--ratio", "nan"}), 2, "ratio");
  // Within [0, 1) but removing every patch: said so, with the largest ratio that keeps one.
  expect_error("ratio_all", with({"--ratio", "0.999"}), 2,
               "mask ratio 0.999 removes all 64 patches: the encoder needs one to see (at most "
               "0.9843 here)");
  // 2^32 + 2 would wrap to 2 threads in an int; it is refused instead.
  expect_error("threads_wrap", with({"--threads", "4294967298"}), 2,
               "--threads 4294967298 is out of range");
  expect_error("width_wrap", {"plot-metrics", run_, "--out", d + "/p.png", "--width", "4294968496"},
               2, "--width must be in [400, 8000], got 4294968496");
  expect_error("seeds_wrap",
               {"eval-recon", "--model", model_, "--images", d, "--seeds", "4294967297"}, 2,
               "--seeds must be in [1, 10000], got 4294967297");
  expect_error("seeds_many", {"eval-recon", "--model", model_, "--images", d, "--seeds", "20000"},
               2, "--seeds must be in [1, 10000]");
  expect_error("bench_steps_0", {"bench", "--steps", "0", "--arch", "mae_vit_micro_patch4_28"}, 2,
               "--steps");
  expect_error("bench_batch_neg", {"bench", "--batch", "-1", "--arch", "mae_vit_micro_patch4_28"},
               2, "--batch");
  expect_error("bench_batch_0", {"bench", "--batch", "0", "--arch", "mae_vit_micro_patch4_28"}, 2,
               "--batch");
  // Normalisation values are named as the option typed, not as the model's "normalization".
  expect_error("mean_two", with({"--mean", "0.5,0.5"}), 2,
               "--mean needs 3 comma-separated values, one per channel of the model, got 2");
  expect_error("std_zero", with({"--std", "0.2,0,0.2"}), 2,
               "--std values must be positive and finite, got '0.2,0,0.2'");
  expect_error("mean_inf", with({"--mean", "1e99,0,0"}), 2, "--mean");
  // The train command's own overrides are named as options, not as the config's fields.
  expect_error("train_steps_0", {"train", "--config", config_, "--steps", "0"}, 2,
               "--steps must be in [1, 2^40]");
  expect_error("train_steps_huge", {"train", "--config", config_, "--steps", "99999999999999"}, 2,
               "--steps must be in [1, 2^40]");
  expect_error("train_batch_0", {"train", "--config", config_, "--batch-size", "0"}, 2,
               "--batch-size must be in [1, 65536], got 0");
  // Past the config's bound: the option is named, not the config file.
  expect_error("train_batch_huge", {"train", "--config", config_, "--batch-size", "100000"}, 2,
               "--batch-size must be in [1, 65536], got 100000");
  // Distributed options are checked before anything starts, with or without --nproc.
  expect_error("dist_timeout_word", {"train", "--config", config_, "--dist-timeout", "abc"}, 2,
               "--dist-timeout");
  expect_error("dist_timeout_0", {"train", "--config", config_, "--dist-timeout", "0"}, 2,
               "--dist-timeout must be in [1, 86400], got 0");
  expect_error("dist_backend",
               {"train", "--config", config_, "--dist-backend", "mpi", "--nproc", "2"}, 2,
               "--dist-backend mpi: expected auto, gloo or nccl");
  expect_error("sweep_steps_huge",
               {"sweep", kFixtures + "/../../configs/sweeps/fig5_mask_ratio.json", "--steps",
                "99999999999999", "--dry-run"},
               2, "--steps must be in [1, 2^40]");
  const auto none = test::run_limited({cli()}, dir_for("no_command"), 20, kMemoryLimit);
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("no command"), std::string::npos) << none.err;
  // Ratio 0 removes nothing: no MSE over no pixels.
  const auto zero = expect_success("ratio_0", with({"--ratio", "0"}));
  EXPECT_NE(zero.out.find("no removed patches"), std::string::npos) << zero.out;
}

// ---- outputs that would destroy what the user had ----------------------

TEST_F(Hostile, OutputsNeverReplaceInputsNodesOrLinks) {
  const std::string d = dir_for("outputs");
  fs::copy(kPhoto, d + "/photo.jpg");
  fs::copy(model_, d + "/model.safetensors");
  const std::string photo = test::slurp(d + "/photo.jpg"),
                    model = test::slurp(d + "/model.safetensors");
  expect_error("out_is_image",
               {"reconstruct", "--model", d + "/model.safetensors", "--image", d + "/photo.jpg",
                "--out", d + "/photo.jpg"},
               2, "input");
  expect_error("out_is_model",
               {"reconstruct", "--model", d + "/model.safetensors", "--image", d + "/photo.jpg",
                "--out", d + "/model.safetensors"},
               2, "input");
  expect_error("convert_onto_itself",
               {"convert", d + "/model.safetensors", "--out", d + "/model.safetensors"}, 2,
               "input");
  // The format written does not follow the name: an output named for another
  // kind of file (the user's notes, another model) is refused, not replaced.
  test::write_file(d + "/notes.txt", "my notes");
  expect_error("figure_to_text",
               {"reconstruct", "--model", model_, "--image", kPhoto, "--out", d + "/notes.txt"}, 2,
               "must end in .png");
  expect_error("figure_to_model",
               {"posembed", "--model", model_, "--out", d + "/model.safetensors"}, 2,
               "must end in .png");
  expect_error("model_to_figure", {"convert", model_, "--out", d + "/photo.jpg"}, 2,
               "must end in .safetensors");
  expect_error("csv_to_figure",
               {"eval-recon", "--model", model_, "--images", d, "--csv", d + "/notes.txt"}, 2,
               "must end in .csv");
  EXPECT_EQ(test::slurp(d + "/notes.txt"), "my notes");

  // An output folder that cannot be made (inside a file) is named, with why:
  // for a run, before its data loads.
  const std::string inside_file = d + "/notes.txt/out";
  expect_error(
      "train_out_in_file", {"train", "--config", config_, "--out", inside_file, "--device", "cpu"},
      2, d + "/notes.txt (in " + inside_file + ") is a file: the output is a folder of files");
  expect_error("pack_out_in_file", {"pack", "--input", d, "--out", inside_file}, 1,
               "cannot create the folder");
  EXPECT_EQ(test::slurp(d + "/photo.jpg"), photo);
  EXPECT_EQ(test::slurp(d + "/model.safetensors"), model);

  // A device node stays a device node (a copy of /dev/null's numbers, in our folder).
  const std::string node = d + "/node.png";
  if (::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
    expect_error("out_is_device",
                 {"reconstruct", "--model", model_, "--image", kPhoto, "--out", node}, 1,
                 "not a regular file");
    struct stat st {};
    ASSERT_EQ(::lstat(node.c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << "the device node was replaced";
  }
  // A symbolic link is written through, and stays a link.
  fs::create_symlink(d + "/target.png", d + "/link.png");
  expect_success("out_is_link",
                 {"reconstruct", "--model", model_, "--image", kPhoto, "--out", d + "/link.png"});
  EXPECT_TRUE(fs::is_symlink(d + "/link.png"));
  EXPECT_GT(fs::file_size(d + "/target.png"), 1000u);

  // A new run never replaces a finished one; the same command twice gets a new folder.
  const std::string run = d + "/run";
  fs::copy(run_, run, fs::copy_options::recursive);
  const std::string checkpoint = test::slurp(run + "/checkpoint.safetensors");
  expect_error("train_over_run",
               {"train", "--config", config_, "--out", run, "--device", "cpu", "--threads", "1"}, 2,
               "--resume");
  EXPECT_EQ(test::slurp(run + "/checkpoint.safetensors"), checkpoint);
}

// An output name that already holds a file: mae's own figure, model or table
// is made again; anything else (the user's photograph that happens to share
// the name, another program's model) only with --force.
TEST_F(Hostile, OutputsReplaceOnlyWhatMaeWroteUnlessForced) {
  const std::string d = dir_for("replace");
  const std::string photo = std::string(MAE_SOURCE_DIR) + "/assets/images/chelsea.png";
  fs::copy(photo, d + "/holiday.png");
  fs::copy(kHf + "/model.safetensors", d + "/theirs.safetensors");
  test::write_file(d + "/scores.csv", "name,score\nmine,1\n");
  const std::vector<std::string> figure{"reconstruct", "--model", model_, "--image", kPhoto};
  auto with = [](std::vector<std::string> args, std::initializer_list<std::string> more) {
    args.insert(args.end(), more);
    return args;
  };
  expect_error("figure_over_photo", with(figure, {"--out", d + "/holiday.png"}), 2,
               "--out " + d + "/holiday.png already exists and MAE Studio did not write it");
  expect_error("model_over_theirs", {"convert", model_, "--out", d + "/theirs.safetensors"}, 2,
               "pass --force to replace it");
  expect_error("csv_over_theirs",
               {"eval-recon", "--model", model_, "--images", kFixtures + "/images", "--seeds", "1",
                "--csv", d + "/scores.csv"},
               2, "--csv " + d + "/scores.csv already exists");
  test::write_file(d + "/film.mp4", "the user's film");
  expect_error("video_over_theirs",
               with(figure, {"--sweep", "0.5:0.7:0.1", "--out", d + "/film.mp4"}), 2,
               "--out " + d + "/film.mp4 already exists and MAE Studio did not write it");
  EXPECT_EQ(test::slurp(d + "/film.mp4"), "the user's film");
  EXPECT_EQ(test::slurp(d + "/holiday.png"), test::slurp(photo));
  EXPECT_EQ(test::slurp(d + "/theirs.safetensors"), test::slurp(kHf + "/model.safetensors"));
  EXPECT_EQ(test::slurp(d + "/scores.csv"), "name,score\nmine,1\n");

  // What mae wrote is made again without asking: a figure with other settings, a model, a table.
  expect_success("figure_new", with(figure, {"--out", d + "/figure.png"}));
  const std::string first = test::slurp(d + "/figure.png");
  expect_success("figure_again", with(figure, {"--out", d + "/figure.png", "--ratio", "0.5"}));
  EXPECT_NE(test::slurp(d + "/figure.png"), first);
  // A converted model holds another's training: made again only when asked.
  expect_success("model_new", {"convert", model_, "--out", d + "/ours.safetensors"});
  expect_error("model_again", {"convert", model_, "--out", d + "/ours.safetensors"}, 2,
               "/ours.safetensors already exists and holds a model converted from a");
  expect_success("model_again_f16", {"convert", model_, "--out", d + "/ours.safetensors", "--dtype",
                                     "f16", "--force"});
  const std::vector<std::string> eval{"eval-recon",          "--model", model_, "--images",
                                      kFixtures + "/images", "--seeds", "1",    "--csv",
                                      d + "/ours.csv"};
  expect_success("csv_new", eval);
  expect_success("csv_again", eval);
  const std::vector<std::string> forward{"forward",
                                         "--model",
                                         kHf,
                                         "--inputs",
                                         kFixtures + "/vitmae/rgb32_p4/inputs.safetensors",
                                         "--out",
                                         d + "/tensors.safetensors"};
  expect_success("tensors_new", forward);
  expect_success("tensors_again", forward);

  // --force replaces the user's file, as asked.
  expect_success("figure_forced", with(figure, {"--out", d + "/holiday.png", "--force"}));
  EXPECT_NE(test::slurp(d + "/holiday.png"), test::slurp(photo));

  // A trained model, mae's own, is not made again by forward's tensors or a
  // conversion of another model: its training would be lost. Nor is a
  // read-only file replaced, even for root.
  fs::copy(run_ + "/model.safetensors", d + "/trained.safetensors");
  const std::string trained = test::slurp(d + "/trained.safetensors");
  std::vector<std::string> forward_over_trained = forward;
  forward_over_trained.back() = d + "/trained.safetensors";
  expect_error("tensors_over_trained", forward_over_trained, 2,
               "--out " + d +
                   "/trained.safetensors already exists and holds a trained model (step");
  expect_error("model_over_trained", {"convert", model_, "--out", d + "/trained.safetensors"}, 2,
               "holds a trained model");
  EXPECT_EQ(test::slurp(d + "/trained.safetensors"), trained);
  const std::string converted = test::slurp(d + "/ours.safetensors");
  std::vector<std::string> forward_over_converted = forward;
  forward_over_converted.back() = d + "/ours.safetensors";
  expect_error("tensors_over_converted", forward_over_converted, 2,
               "holds a model converted from a");
  EXPECT_EQ(test::slurp(d + "/ours.safetensors"), converted);
  fs::permissions(d + "/figure.png",
                  fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  expect_error("figure_over_read_only", with(figure, {"--out", d + "/figure.png"}), 2,
               "--out " + d + "/figure.png already exists and holds a read-only file");
  // A figure's name that links to the model: the PNG would have replaced it, even with --force.
  fs::create_symlink(d + "/trained.safetensors", d + "/link.png");
  expect_error("figure_through_link", with(figure, {"--out", d + "/link.png", "--force"}), 2,
               "--out " + d + "/link.png is a link to " +
                   fs::canonical(d + "/trained.safetensors").string());
  EXPECT_EQ(test::slurp(d + "/trained.safetensors"), trained);
  expect_success("model_forced",
                 {"convert", model_, "--out", d + "/trained.safetensors", "--force"});
}

TEST_F(Hostile, KilledWritesLeaveNoTemporaryFilesBehind) {
  const std::string dir = dir_for("stale_temps");
  fs::copy(run_, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  // A temporary file of a writer that no longer exists (pid 2^22 - 1 is above pid_max's default).
  test::write_file(dir + "/checkpoint.safetensors.tmp-4194303", "half a checkpoint");
  expect_success("resume_cleans", {"train", "--resume", dir, "--steps", "3", "--device", "cpu",
                                   "--threads", "1", "--quiet"});
  EXPECT_FALSE(fs::exists(dir + "/checkpoint.safetensors.tmp-4194303"));
}

} // namespace
} // namespace mae
