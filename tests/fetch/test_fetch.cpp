// Downloads against a local HTTP server (tests/tools/fixture_server.py on
// 127.0.0.1) that serves fixture files with the faults real downloads meet:
// an interrupted transfer, a stalled server, a 404, a wrong size, a corrupt
// file. Each must end in one clear line, with nothing half-written left in the
// cache. Then `mae fetch` end to end: download, convert, cache, list.
#include "base/errors.h"
#include "base/sha256.h"
#include "cli_runner.h"
#include "fetch/http_download.h"
#include "fetch/model_catalog.h"
#include "fixture_server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

namespace mae {
namespace {
namespace fs = std::filesystem;
using test::contains;

std::string temp_dir(const std::string& name) {
  const fs::path dir = fs::path(MAE_TEST_TMP) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string q(const std::string& s) {
  return "'" + s + "'";
}

class FetchTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = temp_dir(std::string("fetch_") +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    root_ = dir_ + "/served";
    fs::create_directories(root_ + "/hf");
    const std::string hf = std::string(MAE_TEST_DATA) + "/vitmae/rgb32_p4/hf/";
    fs::copy_file(hf + "config.json", root_ + "/hf/config.json");
    fs::copy_file(hf + "model.safetensors", root_ + "/hf/model.safetensors");
    std::mt19937 rng(7);
    blob_.resize(300000);
    for (char& c : blob_)
      c = static_cast<char>(rng());
    std::ofstream(root_ + "/blob.bin", std::ios::binary) << blob_;
    server_ = std::make_unique<test::FixtureServer>(root_, dir_ + "/requests.jsonl");
    base_ = server_->url();
  }

  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ + "/requests.jsonl");
    for (std::string line; std::getline(in, line);)
      out.push_back(nlohmann::json::parse(line));
    return out;
  }

  DownloadRequest request(const std::string& path) const {
    DownloadRequest r;
    r.url = base_ + path;
    r.part_path = dir_ + "/download.part";
    r.stall_timeout_s = 2;
    return r;
  }

  std::string error_of(const DownloadRequest& r) const {
    try {
      download_file(r);
    } catch (const FetchError& e) {
      return e.what();
    }
    return "";
  }

  std::string part() const { return test::slurp(dir_ + "/download.part"); }

  std::string dir_, root_, base_, blob_;
  std::unique_ptr<test::FixtureServer> server_;
};

TEST_F(FetchTest, DownloadsAndChecksTheSha256) {
  DownloadRequest r = request("/ok/blob.bin");
  r.expected_sha256 = sha256_hex(blob_);
  int64_t last = 0, total = 0;
  r.on_progress = [&](const DownloadProgress& p) { last = p.done, total = p.total; };
  download_file(r);
  EXPECT_EQ(part(), blob_);
  EXPECT_EQ(last, static_cast<int64_t>(blob_.size()));
  EXPECT_EQ(total, static_cast<int64_t>(blob_.size()));
}

// Proxies come from the environment, as every libcurl program's do.
TEST_F(FetchTest, HonoursHttpProxyFromTheEnvironment) {
  DownloadRequest r = request("/ok/blob.bin");
  r.url = "http://models.example.invalid/ok/blob.bin"; // resolvable only through the proxy
  setenv("http_proxy", base_.c_str(), 1);
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  const std::string error = error_of(r);
  unsetenv("http_proxy");
  EXPECT_EQ(error, "");
  EXPECT_EQ(part(), blob_);
  const auto log = requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].at("path"), "http://models.example.invalid/ok/blob.bin");
}

TEST_F(FetchTest, AnInterruptedTransferResumesWhereItStopped) {
  const std::string cut = error_of(request("/cut/blob.bin"));
  EXPECT_TRUE(contains(cut, "interrupted")) << cut;
  EXPECT_TRUE(contains(cut, "run again to resume")) << cut;
  const size_t half = blob_.size() / 2;
  ASSERT_EQ(part(), blob_.substr(0, half));

  download_file(request("/ok/blob.bin"));
  EXPECT_EQ(part(), blob_);
  const auto log = requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].at("range"), "bytes=" + std::to_string(half) + "-"); // only the rest
}

TEST_F(FetchTest, AWrongSizeOrChecksumDeletesThePart) {
  DownloadRequest r = request("/ok/blob.bin");
  r.expected_size = static_cast<int64_t>(blob_.size()) + 1;
  const std::string size = error_of(r);
  EXPECT_TRUE(contains(size, "wrong size")) << size;
  EXPECT_FALSE(fs::exists(r.part_path));
  // Longer than promised: stopped where the promise ends (an endless stream
  // filled the disk first, then failed the size check).
  r.expected_size = 100000;
  const std::string longer = error_of(r);
  EXPECT_TRUE(contains(longer, "the server sent more than the 100000 bytes expected from"))
      << longer;
  EXPECT_FALSE(fs::exists(r.part_path));

  r.expected_size = -1;
  r.expected_sha256 = std::string(64, 'a');
  const std::string sum = error_of(r);
  EXPECT_TRUE(contains(sum, "checksum mismatch")) << sum;
  EXPECT_FALSE(fs::exists(r.part_path));
}

// HuggingFace sends an LFS file's SHA-256 as X-Linked-Etag on the redirect.
TEST_F(FetchTest, HuggingFacesLinkedEtagIsChecked) {
  download_file(request("/hf/blob.bin"));
  EXPECT_EQ(part(), blob_);
  fs::remove(dir_ + "/download.part");
  const std::string e = error_of(request("/hf-wrong-etag/blob.bin"));
  EXPECT_TRUE(contains(e, "checksum mismatch")) << e;
  EXPECT_FALSE(fs::exists(dir_ + "/download.part"));
}

TEST_F(FetchTest, NotFoundStalledOfflineAndCancelledEachSayWhat) {
  const std::string missing = error_of(request("/ok/nothing.bin"));
  EXPECT_TRUE(contains(missing, "HTTP 404")) << missing;

  const auto start = std::chrono::steady_clock::now();
  const std::string slow = error_of(request("/slow/blob.bin"));
  EXPECT_TRUE(contains(slow, "stalled")) << slow;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  EXPECT_EQ(part(), blob_.substr(0, 100)); // kept, to resume
  fs::remove(dir_ + "/download.part");

  DownloadRequest off = request("/ok/blob.bin");
  off.url = "http://127.0.0.1:1/blob.bin"; // nothing listens on port 1
  const std::string offline = error_of(off);
  EXPECT_EQ(offline.rfind("offline:", 0), 0u) << offline;
  EXPECT_FALSE(contains(offline, "\n")) << offline;

  std::atomic<bool> cancel{true};
  DownloadRequest r = request("/slow/blob.bin");
  r.cancel = &cancel;
  const std::string cancelled = error_of(r);
  EXPECT_TRUE(contains(cancelled, "cancelled")) << cancelled;
}

// `mae fetch` as a user runs it, on a catalog that points at the local server.
class FetchCli : public FetchTest {
protected:
  void write_catalog(const std::vector<nlohmann::json>& models) {
    std::ofstream(dir_ + "/catalog.json") << nlohmann::json{{"models", models}}.dump(2);
  }
  nlohmann::json entry(const std::string& name, const std::vector<std::string>& paths) const {
    nlohmann::json files = nlohmann::json::array();
    for (const std::string& p : paths)
      files.push_back({{"url", p.rfind("http", 0) == 0 ? p : base_ + p}});
    return {{"name", name}, {"description", "a test model"}, {"files", files}};
  }
  test::RunResult fetch(const std::string& args) const {
    return test::run_binary(MAE_CLI_PATH,
                            "fetch --catalog " + q(dir_ + "/catalog.json") + " --cache " +
                                q(dir_ + "/cache") + " --stall-timeout 2 " + args,
                            dir_);
  }
  bool cache_has(const std::string& name) const {
    return fs::exists(dir_ + "/cache/" + name + ".safetensors");
  }
  bool nothing_partial(const std::string& name) const {
    return !fs::exists(dir_ + "/cache/partial/" + name);
  }
};

TEST_F(FetchCli, DownloadsConvertsCachesAndLists) {
  write_catalog({entry("tiny-hf", {"/hf/hf/config.json", "/ok/hf/model.safetensors"})});
  const test::RunResult r = fetch("tiny-hf");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string path = dir_ + "/cache/tiny-hf.safetensors";
  EXPECT_EQ(r.out, path + "\n");
  EXPECT_TRUE(nothing_partial("tiny-hf"));
  const test::RunResult info = test::run_binary(MAE_CLI_PATH, "info " + q(path), dir_);
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_TRUE(contains(info.out, "format:       MAE Studio safetensors")) << info.out;
  EXPECT_TRUE(contains(info.out, "encoder 64x2 (4 heads)")) << info.out;

  // Cached: no second download.
  const size_t asked = requests().size();
  const test::RunResult again = fetch("tiny-hf");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, path + "\n");
  EXPECT_EQ(requests().size(), asked);
  const test::RunResult list = fetch("--list");
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_TRUE(contains(list.out, "tiny-hf")) << list.out;
  EXPECT_TRUE(contains(list.out, "cached")) << list.out;
}

TEST_F(FetchCli, FailuresLeaveNothingHalfWrittenInTheCache) {
  write_catalog({entry("gone", {"/ok/missing.pth"}), entry("cut", {"/cut/hf/model.safetensors"}),
                 entry("junk", {"/ok/blob.bin"}), entry("dead", {"http://127.0.0.1:1/m.pth"})});
  const std::pair<std::string, std::string> cases[] = {{"gone", "HTTP 404"},
                                                       {"cut", "run again to resume"},
                                                       {"junk", "not a model MAE Studio can read"},
                                                       {"dead", "offline"}};
  for (const auto& [name, says] : cases) {
    const test::RunResult r = fetch(name);
    EXPECT_EQ(r.code, 1) << name;
    EXPECT_TRUE(contains(r.err, says)) << name << ": " << r.err;
    EXPECT_FALSE(contains(r.err, "terminate")) << r.err;
    EXPECT_FALSE(cache_has(name)) << name;
  }
  // Only the interrupted one keeps a part, to resume; the junk is gone.
  EXPECT_TRUE(fs::exists(dir_ + "/cache/partial/cut/model.safetensors.part"));
  EXPECT_TRUE(nothing_partial("junk"));

  const test::RunResult unknown = fetch("nope");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_TRUE(contains(unknown.err, "gone, cut, junk, dead")) << unknown.err;
}

TEST(FetchCatalog, TheShippedCatalogLoadsAndBadOnesNameTheField) {
  const auto shipped = load_catalog(std::string(MAE_SOURCE_DIR) + "/configs/fetch/catalog.json");
  ASSERT_GE(shipped.size(), 9u);
  for (const char* name : {"official-visualize-large", "hf-vit-mae-base", "official-pretrain-huge"})
    EXPECT_EQ(find_entry(shipped, name).name, name);
  EXPECT_THROW(find_entry(shipped, "vit-giant"), UsageError);
  try {
    find_entry(shipped, "hf-vit-mae-bse");
    ADD_FAILURE() << "a misspelt name was found";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("(did you mean 'hf-vit-mae-base'?)"), std::string::npos)
        << e.what();
  }

  const std::string dir = temp_dir("fetch_catalog");
  const std::pair<std::string, std::string> bad[] = {
      {R"({"models": [{"name": "a", "files": [{"url": "ftp://x/y"}]}]})", "files[].url"},
      {R"({"models": [{"name": "a", "files": [{"url": "http://x/../y", "name": "../y"}]}]})",
       "files[].name"},
      {R"({"models": [{"name": "a/b", "files": [{"url": "http://x/y"}]}]})", "models[].name"},
      // Another file's download would resume into it.
      {R"({"models": [{"name": "a", "files": [{"url": "http://x/y", "name": "w.pth.part"}]}]})",
       "must not end in .part"},
      {R"({"models": [{"name": "a", "files": []}]})", "models[].files"},
      {R"({"models": [{"name": "a", "files": [{"url": "http://x/y", "sha256": "xyz"}]}]})",
       "files[].sha256"},
      {R"({"models": {}})", "models"},
      {"{", "c.json: not valid JSON: line 1, column 2"},
  };
  for (const auto& [text, field] : bad) {
    std::ofstream(dir + "/c.json") << text;
    try {
      load_catalog(dir + "/c.json");
      ADD_FAILURE() << text;
    } catch (const ConfigError& e) {
      EXPECT_TRUE(contains(e.what(), field)) << text << ": " << e.what();
    }
  }
}

} // namespace
} // namespace mae
