// The one hand-over primitive between threads: the inference worker's
// requests and answers, the training session's commands and the prefetcher's
// work and results all go through a Mailbox. Producers post; a consumer takes
// what is there, or waits for it (in the spirit of tev's SharedQueue).
//
// Beyond a FIFO it has what those workers need: a post can replace a queued
// item of the same kind (only the newest slider value is computed), a wait
// can pick which item it takes (requests by priority, results in order), and
// taken items count as in progress until done(), so that idle() is exact.
// Torch-free and header-only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace mae {

template <typename T> class Mailbox {
public:
  // `on_post` runs on the posting thread after each post (e.g. to wake an
  // idle UI); it must not call back into the mailbox.
  explicit Mailbox(std::function<void()> on_post = {}) : on_post_(std::move(on_post)) {}
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  void post(T item) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      items_.push_back(std::move(item));
    }
    notify();
  }

  // Replaces the first queued item `same(queued)` holds for, else appends.
  template <typename Same> void post_replacing(T item, Same same) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = items_.begin();
      while (it != items_.end() && !same(*it))
        ++it;
      if (it == items_.end())
        items_.push_back(std::move(item));
      else
        *it = std::move(item);
    }
    notify();
  }

  // The first item, or nothing, without waiting.
  std::optional<T> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return pop_at(items_.empty() ? std::nullopt : std::optional<size_t>(0));
  }

  // Everything queued, in order, without waiting.
  std::vector<T> take_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<T> out(std::make_move_iterator(items_.begin()),
                       std::make_move_iterator(items_.end()));
    items_.clear();
    return out;
  }

  // Waits for the first item; nothing once the mailbox is closed.
  std::optional<T> wait() {
    return wait([](const std::deque<T>& q) -> std::optional<size_t> {
      if (q.empty())
        return std::nullopt;
      return 0;
    });
  }

  // Waits until `pick(queue)` names an item (its index) and takes it; nothing
  // once the mailbox is closed. A taken item counts as in progress until done().
  template <typename Pick> std::optional<T> wait(Pick pick) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<size_t> at;
    cv_.wait(lock, [&] { return closed_ || (at = pick(std::as_const(items_))).has_value(); });
    if (closed_)
      return std::nullopt;
    ++in_progress_;
    return pop_at(at);
  }

  // wait() with a time limit; nothing on time-out or once closed.
  template <typename Rep, typename Period>
  std::optional<T> wait_for(std::chrono::duration<Rep, Period> limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, limit, [&] { return closed_ || !items_.empty(); }) || closed_)
      return std::nullopt;
    ++in_progress_;
    return pop_at(0);
  }

  // The consumer has finished an item it waited for. Only consumers that ask
  // idle() or busy() need to call it.
  void done() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (in_progress_ > 0)
        --in_progress_;
    }
    cv_.notify_all();
  }

  // Whether any queued item satisfies `pred`.
  template <typename Pred> bool any(Pred pred) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const T& item : items_)
      if (pred(item))
        return true;
    return false;
  }

  bool empty() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.empty();
  }
  // Nothing queued and nothing taken but not done.
  bool idle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.empty() && in_progress_ == 0;
  }

  // An item taken by a wait is not done yet.
  bool busy() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return in_progress_ > 0;
  }

  // Wakes every waiter; waits return nothing from now on, posts still queue.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    cv_.notify_all();
  }

private:
  // Caller holds the lock.
  std::optional<T> pop_at(std::optional<size_t> at) {
    if (!at || *at >= items_.size())
      return std::nullopt;
    auto it = items_.begin() + static_cast<std::ptrdiff_t>(*at);
    std::optional<T> item(std::move(*it));
    items_.erase(it);
    return item;
  }

  void notify() {
    cv_.notify_all();
    if (on_post_)
      on_post_();
  }

  std::function<void()> on_post_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> items_;
  size_t in_progress_ = 0;
  bool closed_ = false;
};

} // namespace mae
