// Produces items first, first+1, ... on worker threads, at most `depth`
// ahead of the consumer, and hands them out in order. Each item depends only
// on its index, so the thread count never changes what comes out.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace mae {

template <typename T> class OrderedPrefetcher {
public:
  using Producer = std::function<T(int64_t index)>;

  // `workers` 0 produces on the caller's thread inside next().
  OrderedPrefetcher(Producer produce, int workers, int depth, int64_t first)
      : produce_(std::move(produce)), depth_(depth < 1 ? 1 : depth), next_claim_(first),
        next_out_(first) {
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this] { work(); });
  }

  ~OrderedPrefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      t.join();
  }

  OrderedPrefetcher(const OrderedPrefetcher&) = delete;
  OrderedPrefetcher& operator=(const OrderedPrefetcher&) = delete;

  // The next item in order; rethrows the producer's exception for it.
  T next() {
    if (threads_.empty())
      return produce_(next_out_++);
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return ready_.count(next_out_) || errors_.count(next_out_); });
    const int64_t index = next_out_++;
    cv_.notify_all();
    if (auto e = errors_.find(index); e != errors_.end())
      std::rethrow_exception(e->second);
    T item = std::move(ready_.at(index));
    ready_.erase(index);
    return item;
  }

private:
  void work() {
    for (;;) {
      int64_t index = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || next_claim_ < next_out_ + depth_; });
        if (stop_)
          return;
        index = next_claim_++;
      }
      try {
        T item = produce_(index);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(index, std::move(item));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        errors_.emplace(index, std::current_exception());
      }
      cv_.notify_all();
    }
  }

  Producer produce_;
  int64_t depth_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<int64_t, T> ready_;
  std::map<int64_t, std::exception_ptr> errors_;
  int64_t next_claim_, next_out_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

} // namespace mae
