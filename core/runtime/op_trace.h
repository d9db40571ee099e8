// Records what runs between construction and stop() into a Chrome trace
// (chrome://tracing, Perfetto): with LibTorch 2.x the operators and, on CUDA,
// every kernel with its device time (Kineto); with 1.13 the CPU operators.
// `mae bench --profile` uses it; bench/kernel_table.py summarises the trace.
#pragma once

#include <memory>
#include <string>

namespace mae {

class OpTrace {
public:
  // Starts recording; throws UsageError where this build has no profiler.
  explicit OpTrace(std::string path);
  ~OpTrace();
  OpTrace(const OpTrace&) = delete;
  OpTrace& operator=(const OpTrace&) = delete;

  // Stops recording and writes the trace file.
  void stop();

  // What a trace of this build holds, in words.
  static std::string describe();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace mae
