#include "dist/rank_heartbeat.h"

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <vector>

namespace mae {

struct RankHeartbeat::Shared {
  StoreAdd add;
  int rank = 0, world_size = 1;
  std::string store_host;
  std::chrono::milliseconds period{500};
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false, in_store = false;
};

namespace {

std::string key(int rank) {
  return "mae/heartbeat/" + std::to_string(rank);
}

// Every rank's count, or nothing when the store fails or does not answer
// within `limit`. The read runs on a thread of its own, which is left behind
// if the store hangs: the caller is about to exit with a message.
std::optional<std::vector<int64_t>> counts(const std::shared_ptr<RankHeartbeat::Shared>& s,
                                           std::chrono::milliseconds limit) {
  auto promise = std::make_shared<std::promise<std::vector<int64_t>>>();
  auto future = promise->get_future();
  std::thread([s, promise] {
    try {
      std::vector<int64_t> out;
      for (int r = 0; r < s->world_size; ++r)
        out.push_back(s->add(key(r), 0));
      promise->set_value(out);
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  }).detach();
  if (future.wait_for(limit) != std::future_status::ready)
    return std::nullopt;
  try {
    return future.get();
  } catch (...) {
    return std::nullopt;
  }
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string out = ranks.size() == 1 ? "rank " : "ranks ";
  for (size_t i = 0; i < ranks.size(); ++i)
    out += (i ? ", " : "") + std::to_string(ranks[i]);
  return out;
}

} // namespace

RankHeartbeat::RankHeartbeat(StoreAdd add, int rank, int world_size, std::string store_host,
                             std::chrono::milliseconds period)
    : shared_(std::make_shared<Shared>()) {
  shared_->add = std::move(add);
  shared_->rank = rank;
  shared_->world_size = world_size;
  shared_->store_host = std::move(store_host);
  shared_->period = period;
  thread_ = std::thread([s = shared_] {
    std::unique_lock<std::mutex> lock(s->mutex);
    while (!s->stop) {
      s->in_store = true;
      lock.unlock();
      bool ok = true;
      try {
        s->add(key(s->rank), 1);
      } catch (...) {
        ok = false; // the store is gone: nothing left to tell
      }
      lock.lock();
      s->in_store = false;
      if (!ok)
        return;
      s->wake.wait_for(lock, s->period, [&] { return s->stop; });
    }
  });
}

RankHeartbeat::~RankHeartbeat() {
  bool stuck = false;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->stop = true;
    stuck = shared_->in_store; // blocked on a store that may never answer
  }
  shared_->wake.notify_all();
  if (stuck)
    thread_.detach(); // it holds its own reference to the shared state
  else
    thread_.join();
}

std::string RankHeartbeat::diagnose(std::chrono::milliseconds window) const {
  const std::string unreachable = "the rendezvous store cannot be reached: " + shared_->store_host +
                                  ", which serves it, stopped";
  const auto limit = std::max(window, std::chrono::milliseconds(1000));
  const auto before = counts(shared_, limit);
  if (!before)
    return unreachable;
  std::this_thread::sleep_for(window);
  const auto after = counts(shared_, limit);
  if (!after)
    return unreachable;
  std::vector<int> still;
  for (int r = 0; r < shared_->world_size; ++r)
    if (r != shared_->rank && (*after)[r] == (*before)[r])
      still.push_back(r);
  if (still.empty())
    return "every other rank is still running: one of them is stuck (the collective timed out)";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(window).count();
  return rank_list(still) + " stopped (no heartbeat for " +
         (ms % 1000 ? std::to_string(ms) + " ms" : std::to_string(ms / 1000) + " s") +
         "): crashed (its own message says why) or hung";
}

} // namespace mae
