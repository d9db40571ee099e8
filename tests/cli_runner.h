// Runs a built binary in a shell and captures its exit code and output, for
// end-to-end tests of the command-line tools.
#pragma once

#include "slurp.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace mae::test {

struct RunResult {
  int code = -1;
  std::string out, err;
};

// `args` is appended to the binary's path as shell words.
inline RunResult run_binary(const std::string& binary, const std::string& args,
                            const std::string& work_dir) {
  const std::string out = work_dir + "/stdout.txt", err = work_dir + "/stderr.txt";
  const std::string cmd = "'" + binary + "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace mae::test
