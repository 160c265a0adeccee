// waiter.cpp — parking a plain thread, and handing a finished coroutine
// waiter to its scheduler. See flow/detail/waiter.h for the protocol.
#include "flow/detail/waiter.h"

#include <thread>

#include "flow/detail/scheduler.h"

namespace flow::detail {

void SpinLock::lockSlow() noexcept {
  for (unsigned spins = 0;; ++spins) {
    if (!held_.load(std::memory_order_relaxed) && !held_.exchange(true, std::memory_order_acquire)) return;
    if (spins < 128) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }
}

bool ThreadParker::waitUntil(Deadline deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (deadline == kNoDeadline) {
    cv_.wait(lock, [this] { return done_; });
    return true;
  }
  // A plain thread waits in real time (on the virtual clock a deadline
  // far in simulated time is simply never reached by such a waiter).
  return cv_.wait_until(lock, toRealTime(deadline), [this] { return done_; });
}

void Waiter::finishAndSchedule(Wake why, int which) noexcept {
  Scheduler* sched = sched_;  // read before finish(): afterwards *this may be gone
  if (std::coroutine_handle<> h = finish(why, which)) sched->schedule(h);
}

void Waiter::finishAndSpread(Wake why, int which) noexcept {
  Scheduler* sched = sched_;
  if (std::coroutine_handle<> h = finish(why, which)) sched->scheduleShared(h);
}

}  // namespace flow::detail
