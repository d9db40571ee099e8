// How busy the cores are: /proc/stat's arithmetic, and a real busy thread seen.
#include "runtime/cpu_load.h"

#include "../busy_core.h"

#include <gtest/gtest.h>

#include <thread>

namespace mae {
namespace {

TEST(CpuLoad, ReadsTheAggregateLine) {
  const auto t = parse_cpu_times("cpu  100 20 30 800 50 5 5 0 0 0\ncpu0 1 2 3 4\n");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->total, 1010u);
  EXPECT_EQ(t->busy, 160u); // all but idle and iowait
  const auto old_kernel = parse_cpu_times("cpu 1 2 3 4");
  ASSERT_TRUE(old_kernel);
  EXPECT_EQ(old_kernel->busy, 6u);
  EXPECT_FALSE(parse_cpu_times("cpu0 1 2 3 4"));
  EXPECT_FALSE(parse_cpu_times("cpu 1 2"));
  EXPECT_FALSE(parse_cpu_times(""));
}

TEST(CpuLoad, CountsBusyCores) {
  // 4 cores over 100 ticks each: 150 busy ticks are 1.5 cores.
  EXPECT_DOUBLE_EQ(busy_cores({1000, 4000}, {1150, 4400}, 4), 1.5);
  EXPECT_DOUBLE_EQ(busy_cores({1000, 4000}, {1000, 4000}, 4), 0); // no time passed
  EXPECT_DOUBLE_EQ(busy_cores({1000, 4000}, {900, 4400}, 4), 0);  // counters went back
}

TEST(CpuLoad, SeesABusyThread) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  if (cores < 2)
    GTEST_SKIP() << "one core";
  int in_use = 0;
  {
    const test::BusyCore busy;
    in_use = measure_cores_in_use(cores, 100);
  }
  EXPECT_GE(in_use, 1);
  EXPECT_LE(in_use, cores);
}

} // namespace
} // namespace mae
