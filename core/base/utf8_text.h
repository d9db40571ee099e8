// UTF-8 checks for text that leaves the program as JSON (which holds only
// UTF-8) or reaches a terminal. Torch-free.
#pragma once

#include <cstddef>
#include <string>

namespace mae {

// Bytes of a valid UTF-8 character at s[i] (1 for ASCII), 0 when invalid.
size_t utf8_length(const std::string& s, size_t i);

// Every character valid UTF-8 (a file name on Linux need not be).
bool is_utf8(const std::string& s);

} // namespace mae
