#include "runtime/thread_probe.h"

#include "base/errors.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

namespace mae {

int fastest_thread_count(const std::vector<ThreadTiming>& timings, double tolerance) {
  if (timings.empty())
    throw UsageError("fastest_thread_count: no timings");
  double best = std::numeric_limits<double>::infinity();
  for (const auto& t : timings)
    best = std::min(best, t.seconds);
  int chosen = std::numeric_limits<int>::max();
  for (const auto& t : timings)
    if (t.seconds <= best * (1.0 + tolerance))
      chosen = std::min(chosen, t.threads);
  return chosen;
}

std::vector<int> thread_candidates(int most) {
  std::vector<int> counts{std::max(1, most)};
  if (most >= 4)
    counts.push_back(most / 2);
  if (most > 1)
    counts.push_back(1);
  return counts;
}

std::string ThreadProbe::describe() const {
  const auto threads = [](int n) { return std::to_string(n) + (n == 1 ? " thread" : " threads"); };
  std::string s = threads(chosen) + " (probed:";
  for (size_t i = 0; i < timings.size(); ++i) {
    char ms[32];
    std::snprintf(ms, sizeof ms, " %.0f ms", 1e3 * timings[i].seconds);
    s += (i ? ", " : " ") + threads(timings[i].threads) + ms;
  }
  return s + " per step)";
}

ThreadProbe probe_threads(const std::function<void()>& work, const std::vector<int>& candidates,
                          int rounds) {
  if (candidates.empty() || rounds < 2)
    throw UsageError("probe_threads needs candidates and at least two rounds");
  ThreadProbe probe;
  for (const int n : candidates)
    probe.timings.push_back({n, std::numeric_limits<double>::infinity()});
  // Interleaved rounds, so a change in the machine's load hits every count.
  for (int round = 0; round < rounds; ++round)
    for (auto& t : probe.timings) {
      torch::set_num_threads(t.threads);
      const auto start = std::chrono::steady_clock::now();
      work();
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (round > 0)
        t.seconds = std::min(t.seconds, s);
    }
  probe.chosen = fastest_thread_count(probe.timings);
  torch::set_num_threads(probe.chosen);
  return probe;
}

} // namespace mae
