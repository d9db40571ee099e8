// Produces items first, first+1, ... on worker threads, at most `depth`
// ahead of the consumer, and hands them out in order. Each item depends only
// on its index, so the thread count never changes what comes out.
//
// Two mailboxes: the consumer hands out tickets (indices to produce), `depth`
// ahead of what it has taken; workers turn tickets into results, which the
// consumer takes in index order.
#pragma once

#include "runtime/mailbox.h"

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

namespace mae {

template <typename T> class OrderedPrefetcher {
public:
  using Producer = std::function<T(int64_t index)>;

  // `workers` 0 produces on the caller's thread inside next().
  OrderedPrefetcher(Producer produce, int workers, int depth, int64_t first)
      : produce_(std::move(produce)), next_out_(first), next_ticket_(first) {
    if (workers <= 0)
      return;
    for (int i = 0; i < (depth < 1 ? 1 : depth); ++i)
      tickets_.post(next_ticket_++);
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this] { work(); });
  }

  ~OrderedPrefetcher() {
    tickets_.close();
    for (auto& t : threads_)
      t.join();
  }

  OrderedPrefetcher(const OrderedPrefetcher&) = delete;
  OrderedPrefetcher& operator=(const OrderedPrefetcher&) = delete;

  // The next item in order; rethrows the producer's exception for it.
  T next() {
    if (threads_.empty())
      return produce_(next_out_++);
    const int64_t index = next_out_++;
    std::optional<Result> r = results_.wait([index](const auto& queue) -> std::optional<size_t> {
      for (size_t i = 0; i < queue.size(); ++i)
        if (queue[i].index == index)
          return i;
      return std::nullopt;
    });
    tickets_.post(next_ticket_++);
    if (r->error)
      std::rethrow_exception(r->error);
    return std::move(*r->item);
  }

private:
  struct Result {
    int64_t index = 0;
    std::optional<T> item;
    std::exception_ptr error;
  };

  void work() {
    while (std::optional<int64_t> index = tickets_.wait()) {
      Result r;
      r.index = *index;
      try {
        r.item.emplace(produce_(*index));
      } catch (...) {
        r.error = std::current_exception();
      }
      results_.post(std::move(r));
    }
  }

  Producer produce_;
  int64_t next_out_, next_ticket_;
  Mailbox<int64_t> tickets_;
  Mailbox<Result> results_;
  std::vector<std::thread> threads_; // last: its workers use the members above
};

} // namespace mae
