// Helpers for tests of bad input: the message of the mae::Error a call
// throws, and parsing that reads every accepted byte.
#pragma once

#include "base/errors.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mae::test {

// "<no error>" when the call returns normally.
template <typename F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

// Runs `parse` (returning a file with `tensors`); success or a mae::Error are
// both fine. On success every tensor byte is read, so AddressSanitizer checks
// the views.
template <typename Parse> void parse_and_touch(Parse&& parse) {
  try {
    const auto file = parse();
    size_t sum = 0;
    for (const auto& [name, t] : file.tensors)
      for (uint8_t b : t.contiguous_bytes())
        sum += b;
    (void)sum;
  } catch (const Error&) {
  }
}

} // namespace mae::test
