#include "base/errors.h"
#include "runtime/runtime.h"
#include "runtime/thread_probe.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace mae {
namespace {

// The status bar's words: "1 thread", not "1 threads".
TEST(DeviceDescription, CountsCpuThreads) {
  const int before = torch::get_num_threads();
  torch::set_num_threads(1);
  EXPECT_EQ(device_description(torch::kCPU), "CPU (1 thread)");
  torch::set_num_threads(2);
  EXPECT_EQ(device_description(torch::kCPU), "CPU (2 threads)");
  torch::set_num_threads(before);
}

TEST(ThreadProbe, FewestThreadsWithinTolerance) {
  EXPECT_EQ(fastest_thread_count({{2, 0.100}, {1, 0.180}}), 2);
  // A loaded machine: two threads wait for each other at every barrier.
  EXPECT_EQ(fastest_thread_count({{2, 0.300}, {1, 0.120}}), 1);
  // A tie within 3 % goes to fewer threads; beyond it, to the faster count.
  EXPECT_EQ(fastest_thread_count({{4, 0.100}, {2, 0.102}, {1, 0.200}}), 2);
  EXPECT_EQ(fastest_thread_count({{4, 0.100}, {2, 0.110}, {1, 0.200}}), 4);
  EXPECT_THROW(fastest_thread_count({}), UsageError);
}

TEST(ThreadProbe, CandidatesSpanOneToAllCores) {
  EXPECT_EQ(thread_candidates(1), (std::vector<int>{1}));
  EXPECT_EQ(thread_candidates(2), (std::vector<int>{2, 1}));
  EXPECT_EQ(thread_candidates(8), (std::vector<int>{8, 4, 1}));
}

// Work whose duration depends on the thread count LibTorch is set to: the
// probe must set each count, time it, and leave the fastest one set.
TEST(ThreadProbe, LeavesTheFastestCountSet) {
  std::vector<int> seen;
  const auto work = [&](int slow_count) {
    return [&seen, slow_count] {
      seen.push_back(torch::get_num_threads());
      const int ms = torch::get_num_threads() == slow_count ? 30 : 5;
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    };
  };
  auto probe = probe_threads(work(2), {2, 1}, 3);
  EXPECT_EQ(seen, (std::vector<int>{2, 1, 2, 1, 2, 1}));
  EXPECT_EQ(probe.chosen, 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  ASSERT_EQ(probe.timings.size(), 2u);
  EXPECT_GT(probe.timings[0].seconds, probe.timings[1].seconds);
  EXPECT_NE(probe.describe().find("1 thread (probed: 2 threads"), std::string::npos)
      << probe.describe();

  probe = probe_threads(work(1), {2, 1}, 2);
  EXPECT_EQ(probe.chosen, 2);
  EXPECT_EQ(torch::get_num_threads(), 2);
  EXPECT_THROW(probe_threads(work(1), {}, 3), UsageError);
}

TEST(ThreadProbe, AutomaticOnlyWhenNobodyChose) {
  unsetenv("MAE_THREADS");
  configure_threads(0);
  EXPECT_TRUE(threads_automatic());
  configure_threads(1);
  EXPECT_FALSE(threads_automatic());
  setenv("MAE_THREADS", "1", 1);
  configure_threads(0);
  EXPECT_FALSE(threads_automatic());
  unsetenv("MAE_THREADS");
}

TEST(ThreadProbe, AMaeThreadsThatIsNoNumberIsNamed) {
  // atoi read "two" as 0 (automatic) and "4294967298" as 2.
  for (const char* text : {"two", "2x", "-1", "4294967298"}) {
    setenv("MAE_THREADS", text, 1);
    try {
      configure_threads(0);
      ADD_FAILURE() << text << " was taken";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("MAE_THREADS=") + text), std::string::npos)
          << e.what();
    }
  }
  setenv("MAE_THREADS", "0", 1); // 0: as many as are free, as --threads 0
  configure_threads(0);
  EXPECT_TRUE(threads_automatic());
  unsetenv("MAE_THREADS");
}

} // namespace
} // namespace mae
