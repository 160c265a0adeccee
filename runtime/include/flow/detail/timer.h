// flow/detail/timer.h — wakes waiters at their deadlines, on one thread.
// Waiters (sleeps, deadline-bounded channel operations) sit in a binary heap
// keyed by deadline; the heap index lives in the Waiter so disarm() is
// O(log n) without allocation. A due waiter is claimed under the timer's
// mutex (so once disarm() returns, the timer never touches that waiter
// again) and finished after the mutex is dropped, with Wake::Timeout.
// cancelAll() finishes every armed waiter with Wake::Cancelled and makes
// later arm() calls fail. Does not know about channels.
//
// On the virtual clock (flow/time.h) the thread does not wait for real
// time: it waits until the run's scheduler is quiescent — every worker
// suspended, nothing runnable, no thread inside a body — and then moves
// simulated time to the earliest of its heap and the alarm, and wakes what
// is due then. The alarm is the time the thread that waits for the run
// (Pipeline::wait) must act at (the deadline, a monitor line); time does not
// move past it until that thread has acted and set the next one. So a run
// that sleeps for an hour takes as long as its work, and which wake-up comes
// first never depends on how fast the machine is.
#pragma once

#include <condition_variable>
#include <coroutine>
#include <functional>
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

  /// Starts the timer thread. Virtual clock: `sched` is the run's
  /// scheduler, whose quiescence it waits for, and `onAlarm` is called (on
  /// the timer thread, no lock held) each time simulated time reaches the
  /// alarm.
  void start(Scheduler* sched = nullptr, std::function<void()> onAlarm = {});
  /// Joins the timer thread. Armed waiters stay armed (and never fire).
  void stop();

  /// Virtual clock only: the time the run's waiting thread acts at next
  /// (kNoDeadline: none). Simulated time reaches it and stops there until
  /// the alarm is set again. Thread-safe.
  void setAlarm(Deadline at) noexcept;

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
  void runVirtual();
  /// Claims the waiters due at `now` (mu_ held) and finishes them after
  /// dropping it; `lock` is held again on return.
  void fireDue(std::unique_lock<std::mutex>& lock, Deadline now);
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
  Deadline alarm_ = kNoDeadline;  // virtual clock: where time stops for the waiting thread
  Scheduler* sched_ = nullptr;
  std::function<void()> onAlarm_;
  std::vector<Waiter*> due_;                    // timer thread only: claimed in one pass
  std::vector<std::coroutine_handle<>> ready_;  // timer thread only
  std::thread thread_;
};

}  // namespace flow::detail
