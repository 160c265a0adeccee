// scheduler.cpp — the coroutine thread pool. See flow/detail/scheduler.h.
// Each thread runs: its run-next slot, then the shared queue (every 61st
// pick the shared queue first, so a ping-ponging pair cannot starve it),
// then spins for ~50 µs looking for work (including a run-next another
// thread has left unclaimed for kStealRunNextAfter: its thread is busy
// with the coroutine that woke it, typically a producer that keeps
// producing, so the woken consumer should run on an idle core instead of
// waiting for the producer to block — Go's spinning M does the same after
// 3 µs), then parks on the condition variable. Waking a parked thread costs ~20 µs on this class of machine,
// so a thread that makes work runnable wakes a parked one only when no
// thread is already spinning.
#include "flow/detail/scheduler.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "flow/time.h"

namespace flow::detail {
namespace {

thread_local int tIndex = -1;

inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

constexpr auto kSpinFor = std::chrono::microseconds(50);
// A run-next that sat unclaimed (same coroutine, no refill) this long is
// fair game. A hand-off between two coroutines takes its run-next within
// ~100 ns, so this never splits a ping-pong; a woken consumer behind a
// producer that keeps running waits at most this long for a core.
constexpr auto kStealRunNextAfter = std::chrono::microseconds(2);

}  // namespace

Scheduler::Scheduler(int threads) : threadCount_(threads > 0 ? threads : defaultThreads()) {
  for (int i = 0; i < threadCount_; ++i) slots_.push_back(std::make_unique<Slot>());
}

Scheduler::~Scheduler() { stop(); }

int Scheduler::defaultThreads() {
  if (const char* env = std::getenv("FLOW_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0 && n <= 1024) return static_cast<int>(n);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 2 : static_cast<int>(hw);
}

void Scheduler::start() {
  for (int i = 0; i < threadCount_; ++i) threads_.emplace_back([this, i] { run(i); });
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Scheduler::schedule(std::coroutine_handle<> h) noexcept {
  if (tCurrentScheduler == this) {
    Slot& mine = *slots_[static_cast<std::size_t>(tIndex)];
    mine.fills.store(mine.fills.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    // Only the owner fills the slot and others only ever empty it, so an
    // empty slot stays empty until this store: no exchange needed (the
    // common case, a hand-off whose waker then parks).
    void* old = mine.runNext.load(std::memory_order_relaxed);
    if (old == nullptr) {
      // Wake first, publish second: a futex wake costs the waker ~5 µs here,
      // longer than kStealRunNextAfter, so a slot published before it could
      // look abandoned to the thread just woken, which would then steal it
      // and move a ping-ponging pair to the other core.
      wakeIdleForRunNext();
      mine.runNext.store(h.address(), std::memory_order_release);
      return;
    }
    old = mine.runNext.exchange(h.address(), std::memory_order_acq_rel);
    if (old == nullptr) {  // a spinner took the previous one meanwhile
      wakeIdleForRunNext();
      return;
    }
    h = std::coroutine_handle<>::from_address(old);  // the displaced one goes to the queue
  }
  pushGlobal(h);
}

void Scheduler::scheduleBatch(std::span<const std::coroutine_handle<>> hs) noexcept {
  if (hs.empty()) return;
  int toWake = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::coroutine_handle<> h : hs) queue_.push_back(h);
    queued_.store(queue_.size(), std::memory_order_release);
    toWake = std::min<int>(parked_, static_cast<int>(hs.size()));
    wakeups_ += toWake;
    publishIdleLocked();
  }
  if (toWake == 1)
    cv_.notify_one();
  else if (toWake > 1)
    cv_.notify_all();
}

void Scheduler::pushGlobal(std::coroutine_handle<> h) noexcept {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(h);
    queued_.store(queue_.size(), std::memory_order_release);
    if (parked_ > wakeups_ && spinning_.load(std::memory_order_acquire) == 0) {
      ++wakeups_;
      publishIdleLocked();
      wake = true;
    }
  }
  if (wake) cv_.notify_one();
}

void Scheduler::wakeIdleIfNoSpinner() noexcept {
  // idleHint_, not parked_: while a woken thread is still on its way out of
  // cv_.wait (tens of µs here) every call would otherwise take mu_.
  if (idleHint_.load(std::memory_order_acquire) == 0 || spinning_.load(std::memory_order_acquire) != 0)
    return;
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (parked_ > wakeups_) {
      ++wakeups_;
      publishIdleLocked();
      wake = true;
    }
  }
  if (wake) cv_.notify_one();
}

void Scheduler::wakeIdleForRunNext() noexcept {
  if (idleHint_.load(std::memory_order_acquire) == 0 || spinning_.load(std::memory_order_acquire) != 0)
    return;
  // A hint only: the run-next's owner runs it anyway. So never wait for
  // mu_ on the hand-off path: its holder is often the very thread that is
  // parking, and a lock that blocks costs two futex calls.
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || parked_ <= wakeups_) return;
  ++wakeups_;
  publishIdleLocked();
  lock.unlock();
  cv_.notify_one();
}

std::coroutine_handle<> Scheduler::takeGlobal() noexcept {
  if (queued_.load(std::memory_order_acquire) == 0) return {};
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) return {};
  std::coroutine_handle<> h = queue_.front();
  queue_.pop_front();
  queued_.store(queue_.size(), std::memory_order_release);
  return h;
}

std::coroutine_handle<> Scheduler::spinForWork(int index) noexcept {
  spinning_.fetch_add(1, std::memory_order_acq_rel);
  const auto until = Clock::now() + kSpinFor;
  struct Seen {
    void* coro = nullptr;
    std::uint32_t fills = 0;
    Clock::time_point since{};
  };
  std::vector<Seen> seen(slots_.size());
  std::coroutine_handle<> found;
  for (int poll = 0; !found; ++poll) {
    if (void* mine =
            slots_[static_cast<std::size_t>(index)]->runNext.exchange(nullptr, std::memory_order_acq_rel)) {
      found = std::coroutine_handle<>::from_address(mine);
      break;
    }
    if ((found = takeGlobal())) break;
    for (std::size_t j = 0; j < slots_.size() && !found; ++j) {
      if (static_cast<int>(j) == index) continue;
      // fills is read first: if runNext still holds the same coroutine
      // afterwards and fills has not moved, it has sat there since `since`.
      const std::uint32_t fills = slots_[j]->fills.load(std::memory_order_acquire);
      void* v = slots_[j]->runNext.load(std::memory_order_acquire);
      if (v == nullptr) {
        seen[j].coro = nullptr;
        continue;
      }
      if (v != seen[j].coro || fills != seen[j].fills) {
        seen[j] = Seen{v, fills, Clock::now()};
        continue;
      }
      if (Clock::now() - seen[j].since < kStealRunNextAfter) continue;
      if (slots_[j]->runNext.compare_exchange_strong(v, nullptr, std::memory_order_acq_rel)) {
        found = std::coroutine_handle<>::from_address(v);
      }
    }
    if (found) break;
    for (int k = 0; k < 16; ++k) cpuRelax();
    if ((poll & 15) == 15 && Clock::now() >= until) break;
  }
  spinning_.fetch_sub(1, std::memory_order_acq_rel);
  return found;
}

void Scheduler::run(int index) {
  tCurrentScheduler = this;
  tIndex = index;
  Slot& mine = *slots_[static_cast<std::size_t>(index)];
  unsigned tick = 0;
  for (;;) {
    std::coroutine_handle<> h;
    if (++tick % 61 == 0) h = takeGlobal();
    if (!h) {
      if (void* next = mine.runNext.exchange(nullptr, std::memory_order_acq_rel)) {
        h = std::coroutine_handle<>::from_address(next);
      }
    }
    if (!h) h = takeGlobal();
    if (!h) {
      h = spinForWork(index);
      // More queued work than this thread can take: get a parked one going.
      if (h && queued_.load(std::memory_order_acquire) > 0) wakeIdleIfNoSpinner();
    }
    if (h) {
      h.resume();
      continue;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_ && queue_.empty()) break;
    if (!queue_.empty()) continue;
    ++parked_;
    publishIdleLocked();
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty() || wakeups_ > 0; });
    if (wakeups_ > 0) --wakeups_;
    --parked_;
    publishIdleLocked();
  }
  tCurrentScheduler = nullptr;
  tIndex = -1;
}

}  // namespace flow::detail
