// timer.cpp — the timer thread and its heap, and the virtual clock. See
// flow/detail/timer.h. Due waiters are claimed while mu_ is held and
// finished (scheduled) in one batch after it is dropped.
#include "flow/detail/timer.h"

#include <coroutine>

#include "flow/detail/scheduler.h"

namespace flow::detail {

TimerQueue::~TimerQueue() { stop(); }

namespace {
// How long the virtual clock's thread waits (real time) between two looks
// at the scheduler while the workers run: short after time moved (the
// workers it woke are often done at once), doubling up to the cap while
// they keep running.
constexpr auto kQuiescencePoll = std::chrono::microseconds(20);
constexpr auto kQuiescencePollMax = std::chrono::milliseconds(1);
}  // namespace

void enableVirtualClock(Deadline start) noexcept {
  gVirtualNow.store(start.time_since_epoch().count(), std::memory_order_release);
}

void advanceVirtualClock(Deadline to) noexcept {
  const std::int64_t target = to.time_since_epoch().count();
  std::int64_t now = gVirtualNow.load(std::memory_order_relaxed);
  while (
      now >= 0 && now < target &&
      !gVirtualNow.compare_exchange_weak(now, target, std::memory_order_acq_rel, std::memory_order_relaxed)) {
  }
}

void disableVirtualClock() noexcept { gVirtualNow.store(-1, std::memory_order_release); }

void TimerQueue::start(Scheduler* sched, std::function<void()> onAlarm) {
  sched_ = sched;
  onAlarm_ = std::move(onAlarm);
  if (virtualClockOn()) {
    thread_ = std::thread([this] { runVirtual(); });
    return;
  }
  thread_ = std::thread([this] { run(); });
}

void TimerQueue::setAlarm(Deadline at) noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    alarm_ = at;
  }
  cv_.notify_one();
}

void TimerQueue::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool TimerQueue::arm(Waiter* w, Deadline at) {
  bool earliest = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return false;
    w->timerAt = at;
    heap_.push_back(w);
    w->heapIndex = heap_.size() - 1;
    siftUp(heap_.size() - 1);
    earliest = heap_.front() == w;
  }
  if (earliest) cv_.notify_one();
  return true;
}

void TimerQueue::disarm(Waiter* w) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  if (w->heapIndex != Waiter::kNotInHeap) removeAt(w->heapIndex);
}

void TimerQueue::cancelAll() noexcept {
  std::vector<Waiter*> claimed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    for (Waiter* w : heap_) {
      w->heapIndex = Waiter::kNotInHeap;
      if (w->tryClaim()) claimed.push_back(w);
    }
    heap_.clear();
  }
  for (Waiter* w : claimed) w->finishAndSchedule(Wake::Cancelled);
}

void TimerQueue::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const Deadline next = heap_.front()->timerAt;
    if (Clock::now() < next) {
      cv_.wait_until(lock, toRealTime(next));
      continue;
    }
    fireDue(lock, Clock::now());
  }
}

void TimerQueue::runVirtual() {
  std::unique_lock<std::mutex> lock(mu_);
  std::chrono::microseconds poll = kQuiescencePoll;
  while (!stopping_) {
    const Deadline now = Clock::now();
    Deadline next = heap_.empty() ? kNoDeadline : heap_.front()->timerAt;
    // The waiting thread has not acted on its alarm yet: time stays here.
    if (alarm_ <= now || (next == kNoDeadline && alarm_ == kNoDeadline)) {
      cv_.wait_for(lock, kQuiescencePoll);
      continue;
    }
    if (next <= now) {
      fireDue(lock, now);
      continue;
    }
    // Time moves only once nothing can happen before it: every worker waits.
    lock.unlock();
    // The holds first: one released before this read was released by a
    // running worker, which the scheduler then shows (flow/time.h).
    const bool quiescent = detail::gVirtualClockHolds.load(std::memory_order_seq_cst) == 0 &&
                           sched_ != nullptr && sched_->isQuiescent();
    lock.lock();
    if (!quiescent || stopping_) {
      cv_.wait_for(lock, poll);
      poll = std::min<std::chrono::microseconds>(poll * 2, kQuiescencePollMax);
      continue;
    }
    poll = kQuiescencePoll;
    next = heap_.empty() ? kNoDeadline : heap_.front()->timerAt;  // arm()/disarm() may have run meanwhile
    const Deadline to = std::min(next, alarm_);
    if (to == kNoDeadline) continue;
    advanceVirtualClock(to);
    if (to == alarm_ && onAlarm_) {
      lock.unlock();
      onAlarm_();
      lock.lock();
    }
  }
}

void TimerQueue::fireDue(std::unique_lock<std::mutex>& lock, Deadline now) {
  while (!heap_.empty() && heap_.front()->timerAt <= now) {
    Waiter* w = heap_.front();
    removeAt(0);
    if (w->tryClaim()) due_.push_back(w);
  }
  lock.unlock();
  // Batch the wake-ups: thousands of sleepers often expire together.
  Scheduler* sched = nullptr;
  for (Waiter* w : due_) {
    Scheduler* s = w->scheduler();
    if (std::coroutine_handle<> h = w->finish(Wake::Timeout)) {
      if (sched != nullptr && s != sched) {
        sched->scheduleBatch(ready_);
        ready_.clear();
      }
      sched = s;
      ready_.push_back(h);
    }
  }
  if (sched != nullptr && !ready_.empty()) sched->scheduleBatch(ready_);
  due_.clear();
  ready_.clear();
  lock.lock();
}

void TimerQueue::siftUp(std::size_t i) noexcept {
  Waiter* w = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!(w->timerAt < heap_[parent]->timerAt)) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, w);
}

void TimerQueue::siftDown(std::size_t i) noexcept {
  Waiter* w = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1]->timerAt < heap_[child]->timerAt) ++child;
    if (!(heap_[child]->timerAt < w->timerAt)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, w);
}

void TimerQueue::removeAt(std::size_t i) noexcept {
  Waiter* gone = heap_[i];
  gone->heapIndex = Waiter::kNotInHeap;
  Waiter* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  place(i, last);
  siftDown(i);
  siftUp(last->heapIndex);
}

}  // namespace flow::detail
