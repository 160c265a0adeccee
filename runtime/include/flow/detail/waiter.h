// flow/detail/waiter.h — one blocked operation, and the intrusive queues
// channels keep them in.
// A Waiter is owned by the blocked party (a coroutine frame's awaiter or a
// plain thread's stack). Whoever wakes it first — a channel peer, close,
// cancel, or the timer — must win tryClaim(); only the winner writes the
// result and calls finish(). Claiming and finishing are split so that the
// winner can claim under a lock and finish after dropping it (waiters are
// woken after the lock is dropped, as in Go's chan.go).
//
// Coroutine waiters use a two-party gate: the suspending side (at the end of
// await_suspend) and the finishing side both decrement it; whoever brings it
// to zero resumes the coroutine. So a waiter may be finished while its owner
// is still registering it elsewhere, without a resume racing await_suspend.
// An *exclusive* waiter (prepareExclusive: a coroutine's single-channel send
// or receive, SendAwaiter or RecvOneAwaiter, with no deadline, on a
// locked-mode channel: capacity 0 to ChannelBase::kLockedUpTo, or
// drop_oldest at any capacity) skips both atomics: it is
// queued on that one channel and nowhere else (no timer), so every claim is
// made under that channel's mu_ and a plain flag will do; and its owner
// gives the awaiter up the moment it is queued (await_suspend returns true
// without touching it again), so finish() resumes it without the gate.
// Does not know about channels' element types or about time: see
// channel.h and timer.h.
#pragma once

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "flow/time.h"

namespace flow::detail {

/// A test-and-test-and-set lock for critical sections of a few dozen
/// instructions that never block, suspend or call user code other than a
/// value's move. Used for the two ends of a ring-mode channel's ring, where
/// each end is usually taken by a single party, so the lock's cache line
/// stays in that party's core and locking costs one uncontended exchange.
/// Spins with `pause`, then yields the thread (the holder may have been
/// preempted: the machine is shared). Not fair. Never allocates.
class SpinLock {
 public:
  void lock() noexcept {
    if (!held_.exchange(true, std::memory_order_acquire)) return;
    lockSlow();
  }
  void unlock() noexcept { held_.store(false, std::memory_order_release); }

 private:
  void lockSlow() noexcept;
  std::atomic<bool> held_{false};
};

class Scheduler;

/// Why a waiter was woken.
enum class Wake : std::uint8_t { Pending, Ok, Closed, Timeout, Cancelled };

/// Parks a plain (non-scheduler) thread until notified.
class ThreadParker {
 public:
  /// Thread-safe. Never blocks for long (takes a private mutex).
  void notify() noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_one();
  }
  /// Waits until notified or `deadline`; returns true if notified.
  /// Spins briefly first: a futex wake costs ~20 µs across cores here.
  bool waitUntil(Deadline deadline);

 private:
  std::mutex mu_;  // Guards done_. Held by notify() across notify_one so the
                   // owner cannot destroy the parker while it is in use.
  std::condition_variable cv_;
  bool done_ = false;
};

class Waiter {
 public:
  /// Wins the right to finish this waiter. At most one caller ever gets true.
  /// Thread-safe. Never blocks.
  [[nodiscard]] bool tryClaim() noexcept {
    if (claimed_.load(std::memory_order_relaxed)) return false;
    if (exclusive_) {  // every claimer holds the one channel's mu_
      claimed_.store(true, std::memory_order_relaxed);
      return true;
    }
    return !claimed_.exchange(true, std::memory_order_acq_rel);
  }
  [[nodiscard]] bool isClaimed() const noexcept { return claimed_.load(std::memory_order_acquire); }

  /// Records the outcome and wakes the owner. Only the tryClaim() winner may
  /// call it, exactly once, and must not touch the waiter afterwards. Returns
  /// a coroutine the caller must hand to the scheduler (or null).
  [[nodiscard]] std::coroutine_handle<> finish(Wake why, int which = 0) noexcept {
    wake_ = why;
    which_ = which;
    if (parker_ != nullptr) {
      parker_->notify();
      return {};
    }
    if (exclusive_) return coro_;  // the owner let go when it queued the waiter
    if (gate_.fetch_sub(1, std::memory_order_acq_rel) == 1) return coro_;
    return {};
  }
  /// finish() and schedule the result. Same contract as finish().
  void finishAndSchedule(Wake why, int which = 0) noexcept;
  /// As finishAndSchedule, but a coroutine goes to the shared queue rather
  /// than the waker's run-next: for wakes after which the waker keeps
  /// running (a ring-mode channel's producer or consumer), so another thread
  /// can take the woken one at once.
  void finishAndSpread(Wake why, int which = 0) noexcept;

  /// Owner side, before registering: a coroutine waiter.
  void prepare(std::coroutine_handle<> h, Scheduler* sched) noexcept {
    coro_ = h;
    sched_ = sched;
  }
  /// Owner side, before registering: a coroutine waiter queued on one
  /// channel only (never a select), so a channel that completes the owner's
  /// own call at once need not claim it first (channel.h, recvCore).
  void prepareSolo(std::coroutine_handle<> h, Scheduler* sched) noexcept {
    prepare(h, sched);
    solo_ = true;
  }
  /// Owner side, before registering: a solo waiter on a locked-mode channel
  /// with no timer (see the file comment). The owner must not touch the
  /// awaiter once its node is queued, and must not call suspend().
  void prepareExclusive(std::coroutine_handle<> h, Scheduler* sched) noexcept {
    prepareSolo(h, sched);
    exclusive_ = true;
  }
  /// Owner side, before registering: a thread waiter.
  void prepare(ThreadParker* parker) noexcept { parker_ = parker; }
  /// Set before the waiter is published, constant afterwards.
  [[nodiscard]] bool isSolo() const noexcept { return solo_; }
  /// Owner side, last step of await_suspend: true = stay suspended, false =
  /// already finished, resume at once.
  [[nodiscard]] bool suspend() noexcept { return gate_.fetch_sub(1, std::memory_order_acq_rel) != 1; }

  /// Owner side, after waking.
  [[nodiscard]] Wake wake() const noexcept { return wake_; }
  [[nodiscard]] int which() const noexcept { return which_; }
  [[nodiscard]] Scheduler* scheduler() const noexcept { return sched_; }

  // Timer bookkeeping, guarded by the TimerQueue's mutex.
  Deadline timerAt{};
  std::size_t heapIndex = kNotInHeap;
  static constexpr std::size_t kNotInHeap = ~std::size_t{0};

 private:
  std::atomic<bool> claimed_{false};
  std::atomic<int> gate_{2};
  Wake wake_ = Wake::Pending;  // written by the claimer before finish()
  int which_ = 0;              // which input of a select delivered
  bool solo_ = false;          // queued on one channel only; set before publishing
  bool exclusive_ = false;     // solo, locked mode, no timer: claims under mu_, no gate
  std::coroutine_handle<> coro_;
  Scheduler* sched_ = nullptr;
  ThreadParker* parker_ = nullptr;
};

/// A waiter's entry in one channel's queue (a select has one per channel).
struct WaitNode {
  WaitNode* prev = nullptr;
  WaitNode* next = nullptr;
  bool linked = false;  // guarded by the owning channel's mutex
  Waiter* waiter = nullptr;
  int which = 0;
};

/// Intrusive FIFO of WaitNodes. Not thread-safe: the owning channel's mutex
/// guards it. Never allocates.
class WaitQueue {
 public:
  WaitQueue() noexcept { head_.prev = head_.next = &head_; }
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  [[nodiscard]] bool empty() const noexcept { return head_.next == &head_; }
  void pushBack(WaitNode* n) noexcept {
    n->prev = head_.prev;
    n->next = &head_;
    head_.prev->next = n;
    head_.prev = n;
    n->linked = true;
  }
  [[nodiscard]] WaitNode* popFront() noexcept {
    if (empty()) return nullptr;
    WaitNode* n = head_.next;
    remove(n);
    return n;
  }
  /// Unlinks `n` if it is still linked (a node may already have been popped).
  void remove(WaitNode* n) noexcept {
    if (!n->linked) return;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = nullptr;
    n->linked = false;
  }

 private:
  WaitNode head_;
};

}  // namespace flow::detail
