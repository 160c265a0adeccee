// waiter.cpp — parking a plain thread, and handing a finished coroutine
// waiter to its scheduler. See flow/detail/waiter.h for the protocol.
#include "flow/detail/waiter.h"

#include "flow/detail/scheduler.h"

namespace flow::detail {

bool ThreadParker::waitUntil(Deadline deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (deadline == kNoDeadline) {
    cv_.wait(lock, [this] { return done_; });
    return true;
  }
  return cv_.wait_until(lock, deadline, [this] { return done_; });
}

void Waiter::finishAndSchedule(Wake why, int which) noexcept {
  Scheduler* sched = sched_;  // read before finish(): afterwards *this may be gone
  if (std::coroutine_handle<> h = finish(why, which)) sched->schedule(h);
}

}  // namespace flow::detail
