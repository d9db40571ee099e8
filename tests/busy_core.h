// A thread that keeps one core busy while it lives: the "other process" of
// the thread-count tests (/proc/stat counts it like any other).
#pragma once

#include <atomic>
#include <thread>

namespace mae::test {

class BusyCore {
public:
  BusyCore()
      : thread_([this] {
          while (!stop_.load(std::memory_order_relaxed)) {
          }
        }) {}
  ~BusyCore() {
    stop_ = true;
    thread_.join();
  }
  BusyCore(const BusyCore&) = delete;
  BusyCore& operator=(const BusyCore&) = delete;

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace mae::test
