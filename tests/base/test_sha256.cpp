// SHA-256 against the FIPS 180-4 test vectors, and on files.
#include "base/errors.h"
#include "base/sha256.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace mae {
namespace {

TEST(Sha256, MatchesTheStandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks: the padding spills into the second.
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecewiseUpdatesEqualOneUpdate) {
  std::string text;
  for (int i = 0; i < 5000; ++i)
    text += static_cast<char>(i * 31 % 251);
  Sha256 s;
  for (size_t at = 0, step = 1; at < text.size(); at += step, step = step * 3 % 97 + 1)
    s.update(reinterpret_cast<const uint8_t*>(text.data()) + at, std::min(step, text.size() - at));
  EXPECT_EQ(s.hex_digest(), sha256_hex(text));
}

TEST(Sha256, FilesAndModelFolders) {
  const std::filesystem::path dir = std::filesystem::path(MAE_TEST_TMP) / "sha256";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "hf");
  const std::string text(3 << 20, 'x'); // more than one read chunk
  std::ofstream((dir / "a.bin").string(), std::ios::binary) << text;
  std::ofstream((dir / "hf" / "model.safetensors").string(), std::ios::binary) << "weights";
  EXPECT_EQ(file_sha256((dir / "a.bin").string()), sha256_hex(text));
  EXPECT_EQ(file_sha256((dir / "hf").string()), sha256_hex("weights"));
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_THROW(file_sha256((dir / "fifo").string()), Error);
  EXPECT_THROW(file_sha256((dir / "missing").string()), Error);
}

} // namespace
} // namespace mae
