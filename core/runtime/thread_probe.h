// Choosing the CPU thread count by timing the real work. OpenMP threads that
// share cores with another busy process wait for each other at every
// barrier, so on a loaded machine one thread can be several times faster
// than all cores; on an idle one, all cores win.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace mae {

struct ThreadTiming {
  int threads = 1;
  double seconds = 0; // the fastest timed run of the work at this count
};

// The fewest threads whose time is within `tolerance` (a fraction) of the
// fastest: more threads must earn their place.
int fastest_thread_count(const std::vector<ThreadTiming>& timings, double tolerance = 0.03);

// The counts worth trying with `most` threads available: most and 1, and the
// half-way count from 4 up.
std::vector<int> thread_candidates(int most);

struct ThreadProbe {
  int chosen = 1;
  std::vector<ThreadTiming> timings;
  // "2 threads (probed: 2 threads 120 ms, 1 thread 201 ms per step)"
  std::string describe() const;
};

// Runs `work` at each candidate count in turn, `rounds` times (the first
// round untimed: caches, allocator, OpenMP start-up), then leaves LibTorch
// on the fastest count.
ThreadProbe probe_threads(const std::function<void()>& work, const std::vector<int>& candidates,
                          int rounds = 3);

} // namespace mae
