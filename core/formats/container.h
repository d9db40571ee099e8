// Which container a checkpoint file is, by its full signature rather than its
// first byte: a safetensors file whose 8-byte header length starts with 0x80
// is not a pickle. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mae {

enum class Container { Safetensors, Zip, Pickle, Unknown };

// Safetensors: a little-endian header length N with 2 <= N <= size - 8,
// then '{'. Zip (torch.save): "PK\x03\x04". Pickle (legacy torch.save): the
// PROTO opcode 0x80 and a protocol from 2 to 5. When the file's extension
// names a container whose signature holds, that one wins; otherwise the
// first signature that holds, in that order.
Container sniff_container(const uint8_t* data, size_t size, const std::string& path);

const char* to_string(Container c);

} // namespace mae
