// Checkpoint containers are told apart by their full signatures: every
// first byte a safetensors header length can start with, pickles, zips.
#include "formats/container.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mae {
namespace {

// A safetensors file whose 8-byte header length is `length` (the header is
// '{' and spaces up to it).
std::vector<uint8_t> safetensors_with_header_length(uint64_t length) {
  std::vector<uint8_t> b(8 + length, ' ');
  for (int i = 0; i < 8; ++i)
    b[i] = static_cast<uint8_t>(length >> (8 * i));
  b[8] = '{';
  b[8 + length - 1] = '}';
  return b;
}

TEST(Container, SafetensorsWhateverTheFirstByteOfItsHeaderLength) {
  for (uint64_t low = 0; low < 256; ++low) {
    const uint64_t length = 256 + low; // first byte `low`, second byte 1
    const auto b = safetensors_with_header_length(length);
    ASSERT_EQ(b[0], low);
    EXPECT_EQ(sniff_container(b.data(), b.size(), "m.safetensors"), Container::Safetensors) << low;
    EXPECT_EQ(sniff_container(b.data(), b.size(), "m.pth"), Container::Safetensors) << low;
    EXPECT_EQ(sniff_container(b.data(), b.size(), "model"), Container::Safetensors) << low;
  }
}

TEST(Container, ZipAndPickleSignatures) {
  const std::vector<uint8_t> zip = {'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(sniff_container(zip.data(), zip.size(), "a.pth"), Container::Zip);
  EXPECT_EQ(sniff_container(zip.data(), zip.size(), "a.safetensors"), Container::Zip);
  for (uint8_t proto = 2; proto <= 5; ++proto) {
    const std::vector<uint8_t> pickle = {0x80, proto, '}', 'q', 0, '.'};
    EXPECT_EQ(sniff_container(pickle.data(), pickle.size(), "a.pth"), Container::Pickle);
  }
  // PROTO with no valid protocol, text, too short: none of them.
  for (const std::string& junk : {std::string("\x80\x09junk", 6), std::string("hello world"),
                                  std::string("PK"), std::string()}) {
    const auto* d = reinterpret_cast<const uint8_t*>(junk.data());
    EXPECT_EQ(sniff_container(d, junk.size(), "x.pth"), Container::Unknown) << junk;
  }
}

TEST(Container, AHeaderLengthPastTheEndIsNotSafetensors) {
  auto b = safetensors_with_header_length(64);
  b.resize(40); // cut: the header would end past the file
  EXPECT_EQ(sniff_container(b.data(), b.size(), "m.safetensors"), Container::Unknown);
}

} // namespace
} // namespace mae
