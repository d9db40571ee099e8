// Which rank stopped? Every rank bumps a counter of its own in the rendezvous
// store a few times a second, from a thread of its own. When a collective
// fails, a survivor reads the counters twice and names the ranks whose count
// stood still: a crashed, killed or frozen process no longer beats, and a
// store that no longer answers means its host (rank 0, or torchrun's agent)
// is gone. Torch-free: the store is reached through one function.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace mae {

class RankHeartbeat {
public:
  // The store's atomic add: adds `delta` to `key` and returns the new value
  // (c10d::Store::add); it may throw or block when the store is gone.
  using StoreAdd = std::function<int64_t(const std::string& key, int64_t delta)>;

  // `store_host` names who serves the store, for the message ("rank 0").
  RankHeartbeat(StoreAdd add, int rank, int world_size, std::string store_host,
                std::chrono::milliseconds period = std::chrono::milliseconds(500));
  ~RankHeartbeat();
  RankHeartbeat(const RankHeartbeat&) = delete;
  RankHeartbeat& operator=(const RankHeartbeat&) = delete;

  // One sentence on the other ranks, taking about `window`: "rank 1 stopped
  // (no heartbeat for 2 s)", "the rendezvous store cannot be reached: rank 0,
  // which serves it, stopped", or "every other rank is still running: one of
  // them is stuck (the collective timed out)".
  std::string diagnose(std::chrono::milliseconds window = std::chrono::seconds(2)) const;

  struct Shared;

private:
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

} // namespace mae
