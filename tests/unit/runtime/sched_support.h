// sched_support.h — helpers for the tests that drive detail::Scheduler
// directly: a coroutine nobody awaits, a hop onto a scheduler's threads, and
// a gauge of how many threads are inside a section at once. Not part of the
// runtime.
#pragma once

#include <flow/detail/scheduler.h>

#include <atomic>
#include <coroutine>
#include <exception>

namespace flowtest {

/// A coroutine nobody awaits: it starts at once and frees itself at the end.
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

/// co_await OnScheduler{s}: continue on one of s's threads (its shared queue).
struct OnScheduler {
  flow::detail::Scheduler& sched;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const noexcept { sched.scheduleShared(h); }
  void await_resume() const noexcept {}
};

/// How many threads are between enter() and leave() now, and at most.
class Gauge {
 public:
  void enter() noexcept {
    const int n = now_.fetch_add(1) + 1;
    int seen = max_.load();
    while (n > seen && !max_.compare_exchange_weak(seen, n)) {
    }
  }
  void leave() noexcept { now_.fetch_sub(1); }
  [[nodiscard]] int now() const noexcept { return now_.load(); }
  [[nodiscard]] int max() const noexcept { return max_.load(); }

 private:
  std::atomic<int> now_{0};
  std::atomic<int> max_{0};
};

}  // namespace flowtest
