// flow/detail/timer.h — wakes waiters at their deadlines, on one thread.
// Waiters (sleeps, deadline-bounded channel operations) sit in a binary heap
// keyed by deadline; the heap index lives in the Waiter so disarm() is
// O(log n) without allocation. A due waiter is claimed under the timer's
// mutex (so once disarm() returns, the timer never touches that waiter
// again) and finished after the mutex is dropped, with Wake::Timeout.
// cancelAll() finishes every armed waiter with Wake::Cancelled and makes
// later arm() calls fail. Does not know about channels.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "flow/detail/waiter.h"
#include "flow/time.h"

namespace flow::detail {

class Scheduler;

class TimerQueue {
 public:
  TimerQueue() = default;
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  void start();
  /// Joins the timer thread. Armed waiters stay armed (and never fire).
  void stop();

  /// Arms `w` to be claimed and finished with Wake::Timeout at `at`.
  /// Returns false (and does nothing) after cancelAll(). Thread-safe. May
  /// allocate (heap growth).
  [[nodiscard]] bool arm(Waiter* w, Deadline at);
  /// Removes `w` if armed. After return the timer never touches `w`.
  /// Thread-safe. Never allocates.
  void disarm(Waiter* w) noexcept;
  /// Finishes every armed waiter with Wake::Cancelled; arm() fails from now
  /// on. Thread-safe. Idempotent.
  void cancelAll() noexcept;

 private:
  void run();
  void siftUp(std::size_t i) noexcept;
  void siftDown(std::size_t i) noexcept;
  void removeAt(std::size_t i) noexcept;
  void place(std::size_t i, Waiter* w) noexcept {
    heap_[i] = w;
    w->heapIndex = i;
  }

  std::mutex mu_;  // Guards heap_, cancelled_, stopping_ and every armed
                   // waiter's timerAt/heapIndex. Never finishes a waiter
                   // while held (only claims).
  std::condition_variable cv_;
  std::vector<Waiter*> heap_;  // min-heap on timerAt
  bool cancelled_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flow::detail
