// SHA-256 (FIPS 180-4), so that a saved view can tell whether the model and
// the picture it names are still the same files. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mae {

class Sha256 {
public:
  Sha256();
  void update(const uint8_t* data, size_t size);
  // 64 lowercase hex digits; the object is spent afterwards.
  std::string hex_digest();

private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t length_ = 0; // bytes
};

std::string sha256_hex(const std::string& bytes);

// The file's digest, read in chunks (regular files only). A folder (a
// HuggingFace model) is its model.safetensors. Throws Error naming the file.
std::string file_sha256(const std::string& path);

} // namespace mae
