// The message of the mae::Error a call throws: what tests of bad input check.
#pragma once

#include "base/errors.h"

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

} // namespace mae::test
