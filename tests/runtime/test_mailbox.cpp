// The Mailbox every worker hands work through: order, replacement, picking,
// in-progress accounting, closing, and many producers at once.
#include "runtime/mailbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace mae {
namespace {

TEST(Mailbox, KeepsOrderAndTakesWithoutWaiting) {
  Mailbox<int> box;
  EXPECT_FALSE(box.take());
  for (int i = 0; i < 4; ++i)
    box.post(i);
  EXPECT_EQ(*box.take(), 0);
  EXPECT_EQ(box.take_all(), (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(box.empty());
}

TEST(Mailbox, PostReplacingKeepsOnlyTheNewestOfAKind) {
  Mailbox<std::string> box;
  const auto same_kind = [](char k) { return [k](const std::string& s) { return s[0] == k; }; };
  box.post_replacing("m1", same_kind('m'));
  box.post_replacing("r1", same_kind('r'));
  box.post_replacing("r2", same_kind('r'));
  box.post_replacing("m2", same_kind('m'));
  EXPECT_EQ(box.take_all(), (std::vector<std::string>{"m2", "r2"}));
}

TEST(Mailbox, WaitTakesTheItemThePickNames) {
  Mailbox<int> box;
  for (int i : {5, 3, 9})
    box.post(i);
  const auto smallest = [](const auto& q) -> std::optional<size_t> {
    std::optional<size_t> best;
    for (size_t i = 0; i < q.size(); ++i)
      if (!best || q[i] < q[*best])
        best = i;
    return best;
  };
  EXPECT_EQ(*box.wait(smallest), 3);
  EXPECT_EQ(*box.wait(smallest), 5);
  EXPECT_EQ(*box.wait(), 9);
}

TEST(Mailbox, TakenItemsAreInProgressUntilDone) {
  Mailbox<int> box;
  EXPECT_TRUE(box.idle());
  box.post(1);
  EXPECT_FALSE(box.idle());
  ASSERT_TRUE(box.wait());
  EXPECT_TRUE(box.empty());
  EXPECT_TRUE(box.busy());
  EXPECT_FALSE(box.idle()); // taken, not finished
  box.done();
  EXPECT_TRUE(box.idle());
  EXPECT_TRUE(box.any([](int) { return true; }) == false);
}

TEST(Mailbox, CloseWakesAWaiterWithNothing) {
  Mailbox<int> box;
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    EXPECT_FALSE(box.wait());
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(woke);
  box.close();
  waiter.join();
  EXPECT_TRUE(woke);
  EXPECT_FALSE(box.wait_for(std::chrono::milliseconds(1)));
}

TEST(Mailbox, WaitForTimesOut) {
  Mailbox<int> box;
  EXPECT_FALSE(box.wait_for(std::chrono::milliseconds(5)));
  box.post(7);
  EXPECT_EQ(*box.wait_for(std::chrono::milliseconds(5)), 7);
}

TEST(Mailbox, ManyProducersOneConsumerLoseNothing) {
  int wakes = 0;
  std::mutex wakes_mutex;
  Mailbox<int> box([&] {
    std::lock_guard<std::mutex> lock(wakes_mutex);
    ++wakes;
  });
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p)
    producers.emplace_back([&box, p] {
      for (int i = 0; i < 500; ++i)
        box.post(p * 1000 + i);
    });
  std::vector<int> got;
  while (got.size() < 2000)
    got.push_back(*box.wait());
  for (auto& t : producers)
    t.join();
  std::vector<int> last(4, -1);
  for (int v : got) { // each producer's items arrive in its order
    EXPECT_GT(v % 1000, last[v / 1000]);
    last[v / 1000] = v % 1000;
  }
  EXPECT_EQ(wakes, 2000);
}

} // namespace
} // namespace mae
