// scheduler.cpp — the coroutine thread pool. See flow/detail/scheduler.h.
// Each thread runs: its run-next slot, then its local queue, then the
// shared queue (every 61st pick the queues first, so a ping-ponging pair
// cannot starve them), then spins for ~50 µs looking for work (including a
// run-next or local queue another
// thread has left unclaimed for kStealRunNextAfter: its thread is busy
// with the coroutine that woke it, typically a producer that keeps
// producing, so the woken consumer should run on an idle core instead of
// waiting for the producer to block — Go's spinning M does the same after
// 3 µs), then parks on the condition variable. Waking a parked thread costs
// the waker ~5 µs on this class of machine, so a thread that makes work
// runnable wakes a parked one only when no thread is already spinning, and
// run-next fills stop waking anyone while such wakes prove useless (the
// back-off described in the header). Turns, the monitor and the threads it
// starts and retires are in scheduler_monitor.cpp.
#include "flow/detail/scheduler.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "flow/time.h"

namespace flow::detail {

thread_local Scheduler::Slot* Scheduler::tSlot = nullptr;

namespace {

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
// A spinner reads the other threads' run-next slots only every
// kScanOthersEvery-th poll (a poll is 16 pauses, ~0.3 µs here): their owners
// write those lines on every hand-off, and each read costs the owner a cache
// miss: scanning every poll would more than double the round trip of a
// ping-pong on the other core (bench/RESULTS.md has the figures).
constexpr int kScanOthersEvery = 4;
// Run-next wake back-off: the first period, and the cap (see the header).
constexpr auto kBackoffFirst = std::chrono::microseconds(100);
constexpr auto kBackoffMax = std::chrono::milliseconds(2);
constexpr int kMaxBackoffStreak = 6;  // 100 µs << 5 > kBackoffMax

std::chrono::microseconds backoffPeriod(int streak) noexcept {
  return std::min<std::chrono::microseconds>(kBackoffFirst * (1 << (streak - 1)), kBackoffMax);
}

}  // namespace

Scheduler::Scheduler(int threads) : Scheduler(Limits{.threads = threads}) {}

Scheduler::Scheduler(const Limits& limits)
    : threadCount_(limits.threads > 0 ? limits.threads : defaultThreads()),
      maxThreads_(std::max(threadCount_, limits.maxThreads > 0 ? limits.maxThreads : defaultMaxThreads())),
      limits_(limits),
      slots_(new std::atomic<Slot*>[static_cast<std::size_t>(maxThreads_)]()) {
  for (int i = 0; i < threadCount_; ++i) {
    Slot* s = new Slot;
    s->index = i;
    slots_[static_cast<std::size_t>(i)].store(s, std::memory_order_relaxed);
  }
  slotCount_.store(threadCount_, std::memory_order_release);
}

Scheduler::~Scheduler() {
  stop();
  for (int i = 0; i < slotCount_.load(std::memory_order_relaxed); ++i)
    delete slots_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
}

int Scheduler::parseCount(const char* text, long max) noexcept {
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(text, &end, 10);
  const bool ok = end != text && *end == '\0' && errno == 0 && n > 0 && n <= max;
  return ok ? static_cast<int>(n) : 0;
}

namespace {
// flow::Program rejects an invalid value before a run; an embedder's
// pipeline falls back to the default.
int positiveFromEnv(const char* name, long max) {
  const char* env = std::getenv(name);
  return env != nullptr ? Scheduler::parseCount(env, max) : 0;
}
}  // namespace

int Scheduler::defaultThreads() {
  if (const int n = positiveFromEnv("FLOW_THREADS", kMaxThreads)) return n;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 2 : static_cast<int>(hw);
}

int Scheduler::defaultMaxThreads() {
  const int n = positiveFromEnv("FLOW_MAX_THREADS", kMaxMaxThreads);
  return n > 0 ? n : 10'000;
}

void Scheduler::start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    threadsAlive_ = threadCount_;
    stats_.threads = stats_.peakThreads = threadCount_;
  }
  for (int i = 0; i < threadCount_; ++i) {
    Slot& s = *slots_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
    s.thread = std::thread([this, &s] { run(s); });
  }
  monitor_ = std::thread([this] { monitor(); });
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(monMu_);
    monStop_ = true;
  }
  monCv_.notify_all();
  if (monitor_.joinable()) monitor_.join();  // it starts threads: first
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (Slot* w : turnWaiters_) w->turnGiven.notify_one();
  }
  cv_.notify_all();
  for (int i = 0; i < slotCount_.load(std::memory_order_acquire); ++i) {
    Slot& s = *slots_[static_cast<std::size_t>(i)].load(std::memory_order_acquire);
    if (s.thread.joinable()) s.thread.join();
  }
}

void Scheduler::schedule(std::coroutine_handle<> h) noexcept {
  if (tCurrentScheduler == this && !tSlot->turnless) {
    Slot& mine = *tSlot;
    mine.fills.store(mine.fills.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    // Only the owner fills the slot and others only ever empty it, so an
    // empty slot stays empty until this store: no exchange needed (the
    // common case, a hand-off whose waker then parks). Publish first, then
    // decide whether to wake (seq_cst, like park()'s slot check after it
    // counts itself parked): either this call sees the idle thread, or that
    // thread sees this slot.
    void* old = mine.runNext.load(std::memory_order_relaxed);
    if (old == nullptr) {
      mine.runNext.store(h.address(), std::memory_order_seq_cst);
      wakeIdleForRunNext();
      return;
    }
    old = mine.runNext.exchange(h.address(), std::memory_order_seq_cst);
    // The displaced one goes to this thread's local queue (the shared
    // queue would send it to the other core on every hop of a rendezvous
    // chain of three or more coroutines), or the shared queue if
    // that is full. Either way an idle thread is told, as for a run-next.
    if (old == nullptr || pushLocal(mine, old)) {
      wakeIdleForRunNext();
      return;
    }
    h = std::coroutine_handle<>::from_address(old);
  }
  pushGlobal(h);
}

bool Scheduler::pushLocal(Slot& s, void* coro) noexcept {
  const std::uint32_t t = s.tail.load(std::memory_order_relaxed);
  if (t - s.head.load(std::memory_order_acquire) >= Slot::kLocalSize) return false;
  s.local[t % Slot::kLocalSize].store(coro, std::memory_order_relaxed);
  s.tail.store(t + 1);  // publishes the entry; seq_cst like the run-next store
  return true;
}

void* Scheduler::popLocal(Slot& s) noexcept {
  std::uint32_t h = s.head.load(std::memory_order_acquire);
  for (;;) {
    if (s.tail.load(std::memory_order_acquire) == h) return nullptr;
    // Read before the CAS: while head is still h the owner cannot reuse
    // the entry (it pushes only below head + kLocalSize).
    void* coro = s.local[h % Slot::kLocalSize].load(std::memory_order_relaxed);
    if (s.head.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel, std::memory_order_acquire))
      return coro;
  }
}

void Scheduler::scheduleBatch(std::span<const std::coroutine_handle<>> hs) noexcept {
  if (hs.empty()) return;
  int toWake = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::coroutine_handle<> h : hs) queue_.push_back(h);
    queued_.store(queue_.size(), std::memory_order_release);
    toWake = std::min<int>(idleLocked(), static_cast<int>(hs.size()));
    for (int i = 0; i < toWake; ++i) issueWakeLocked();
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
    if (idleLocked() > 0 && spinning_.load(std::memory_order_acquire) == 0) {
      issueWakeLocked();
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
    if (idleLocked() > 0) {
      issueWakeLocked();
      wake = true;
    }
  }
  if (wake) cv_.notify_one();
}

void Scheduler::wakeIdleForRunNext() noexcept {
  // A spinner, or a thread about to park, will look at the slot (see the
  // invariant in the header).
  if (spinning_.load() != 0 || idleHint_.load() == 0) return;
  if (runNextBackoff_.load(std::memory_order_relaxed) != 0 && proberParked_.load(std::memory_order_relaxed)) {
    // Backing off: leave it to the probing thread. A skip already noted and
    // not yet taken will be taken after this slot was published. Otherwise
    // note it, then look again: whoever ends the back-off or stops probing
    // does so before it takes the note (all seq_cst), so either this call
    // sees that and wakes, or they see the note.
    if (runNextWakeSkipped_.load(std::memory_order_relaxed)) return;
    runNextWakeSkipped_.store(true);
    if (runNextBackoff_.load() != 0 && proberParked_.load()) return;
  }
  // A plain lock: with the back-off these wakes are rare, and one that gave
  // up on a busy mu_ could leave the slot to an owner that keeps running.
  std::unique_lock<std::mutex> lock(mu_);
  if (idleLocked() == 0) return;  // woken threads are on their way (they spin), or no turn is free
  if (probing_ && runNextBackoff_.load(std::memory_order_relaxed) != 0) {
    // The prober parked again while this call waited for mu_: leave it the
    // note (it takes it under mu_ when its period ends).
    runNextWakeSkipped_.store(true);
    return;
  }
  issueWakeLocked();
  ++runNextWakeups_;
  runNextWakesIssued_.fetch_add(1, std::memory_order_relaxed);
  lock.unlock();
  cv_.notify_one();
}

bool Scheduler::queuedOnOtherThreads(const Slot& self) const noexcept {
  const int n = slotCount_.load(std::memory_order_acquire);
  for (int j = 0; j < n; ++j) {
    const Slot& s = *slots_[static_cast<std::size_t>(j)].load(std::memory_order_acquire);
    if (&s == &self) continue;
    if (s.runNext.load() != nullptr || s.tail.load() != s.head.load()) return true;
  }
  return false;
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

std::coroutine_handle<> Scheduler::stealStaleRunNext(const Slot& self, std::span<SeenRunNext> seen) noexcept {
  // Threads started since the spin began are looked at in the next spin.
  const std::size_t n = std::min<std::size_t>(seen.size(), static_cast<std::size_t>(slotCount_.load()));
  for (std::size_t j = 0; j < n; ++j) {
    Slot& s = *slots_[j].load(std::memory_order_acquire);
    if (&s == &self) continue;
    // fills is read first: if runNext still holds the same coroutine
    // afterwards and fills has not moved, it has sat there since `since`.
    const std::uint32_t fills = s.fills.load(std::memory_order_acquire);
    void* v = s.runNext.load(std::memory_order_acquire);
    if (v == nullptr) {
      seen[j].coro = nullptr;
      continue;
    }
    if (v != seen[j].coro || fills != seen[j].fills) {
      seen[j] = SeenRunNext{v, fills, RealClock::now()};
      continue;
    }
    if (RealClock::now() - seen[j].since < kStealRunNextAfter) continue;
    if (s.runNext.compare_exchange_strong(v, nullptr, std::memory_order_acq_rel)) {
      return std::coroutine_handle<>::from_address(v);
    }
  }
  // Local queues: an unmoved head over a non-empty queue means the owner
  // has taken nothing from it since.
  for (std::size_t j = 0; j < n; ++j) {
    Slot& s = *slots_[j].load(std::memory_order_acquire);
    if (&s == &self) continue;
    const std::uint32_t head = s.head.load(std::memory_order_acquire);
    if (s.tail.load(std::memory_order_acquire) == head) {
      seen[j].localWaiting = false;
      continue;
    }
    if (!seen[j].localWaiting || seen[j].localHead != head) {
      seen[j].localWaiting = true;
      seen[j].localHead = head;
      seen[j].localSince = RealClock::now();
      continue;
    }
    if (RealClock::now() - seen[j].localSince < kStealRunNextAfter) continue;
    if (void* coro = popLocal(s)) return std::coroutine_handle<>::from_address(coro);
  }
  return {};
}

std::coroutine_handle<> Scheduler::spinForWork(Slot& mine) noexcept {
  spinning_.fetch_add(1);
  const auto until = RealClock::now() + kSpinFor;
  std::vector<SeenRunNext> seen(static_cast<std::size_t>(slotCount_.load()));
  std::coroutine_handle<> found;
  for (int poll = 0;; ++poll) {
    if (void* next = mine.runNext.exchange(nullptr, std::memory_order_acq_rel)) {
      found = std::coroutine_handle<>::from_address(next);
      break;
    }
    if ((found = takeGlobal())) break;
    // The last poll scans too: a spinner descheduled mid-spin may not have
    // looked twice at a run-next that has sat there all along.
    const bool last = (poll & 15) == 15 && RealClock::now() >= until;
    if (last || poll % kScanOthersEvery == 0) found = stealStaleRunNext(mine, seen);
    if (found || last) break;
    for (int k = 0; k < 16; ++k) cpuRelax();
  }
  // seq_cst, then the caller reads the slots (run(), park()): a filler that
  // saw this spinner and did not wake anyone is seen in turn.
  spinning_.fetch_sub(1);
  return found;
}

void Scheduler::endBackoff() noexcept {
  runNextBackoff_.store(0);
  runNextBackoffEnds_.fetch_add(1, std::memory_order_relaxed);
}

void Scheduler::noteRunNextOutcome(Unparked why, bool foundWork) noexcept {
  const int streak = runNextBackoff_.load(std::memory_order_relaxed);
  if (!foundWork) {
    if (why == Unparked::RunNextWake) runNextWastedWakes_.fetch_add(1, std::memory_order_relaxed);
    if (streak < kMaxBackoffStreak) runNextBackoff_.store(streak + 1, std::memory_order_relaxed);
    return;
  }
  if (streak == 0) return;
  // A wake skipped just before has no prober to see it now (this thread is
  // busy): issue it (endBackoff() stores 0 first: see wakeIdleForRunNext).
  endBackoff();
  if (runNextWakeSkipped_.exchange(false)) wakeIdleIfNoSpinner();
}

bool Scheduler::isQuiescent() const noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  // Under mu_ no parked thread can leave park(): it needs mu_ to return.
  if (stopping_ || !queue_.empty() || wakeups_ > 0 || parked_ < threadsAlive_) return false;
  const int n = slotCount_.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    const Slot& s = *slots_[static_cast<std::size_t>(i)].load(std::memory_order_acquire);
    if (s.runNext.load(std::memory_order_seq_cst) != nullptr) return false;
    if (s.head.load(std::memory_order_seq_cst) != s.tail.load(std::memory_order_seq_cst)) return false;
  }
  return true;
}

Scheduler::Unparked Scheduler::park(std::unique_lock<std::mutex>& lock, Slot& mine) {
  // A thread the monitor found blocked holds no turn (its check-in word says
  // so too: cleared here; a check-in asked for stays, for the next body).
  const bool hadTurn = mine.turn == Turn::Running;
  mine.turn = Turn::Parked;
  mine.turnless = false;
  mine.preempt.fetch_and(~(kBlocked | kYield), std::memory_order_relaxed);
  ++parked_;
  if (hadTurn) releaseTurnLocked();
  publishIdleLocked();  // seq_cst store, then the slots are read: see schedule()
  // Queued work is for a parked thread only with a turn to run it.
  const auto ready = [this] { return stopping_ || wakeups_ > 0 || (turnsFree_ > 0 && !queue_.empty()); };
  bool probe = false;
  bool retire = false;
  bool handOver = false;  // leaving the probing duty with a run-next possibly unseen
  for (;;) {
    const int streak = runNextBackoff_.load();
    if (probing_ || (streak == 0 && !queuedOnOtherThreads(mine))) {
      if (threadsAlive_ <= threadCount_) {
        cv_.wait(lock, ready);
        break;
      }
      // A thread beyond the turns (one was blocked when it started) exits
      // after a while with nothing to do.
      if (cv_.wait_for(lock, limits_.retireAfter, ready)) break;
      if (threadsAlive_ > threadCount_) {
        retire = true;
        break;
      }
      continue;
    }
    // Probe later: a run-next may be stuck behind a coroutine that keeps
    // running, or the back-off may skip the wake of one.
    probing_ = true;
    proberParked_.store(true);
    const bool woken = cv_.wait_for(lock, backoffPeriod(std::max(streak, 1)), ready);
    probing_ = false;
    proberParked_.store(false);  // seq_cst, before the note is taken: see wakeIdleForRunNext
    const bool skipped = runNextWakeSkipped_.exchange(false);
    if (woken) {
      handOver = skipped || queuedOnOtherThreads(mine);
      break;
    }
    if (skipped || queuedOnOtherThreads(mine)) {
      // Without a free turn every turn's holder is running: they take it.
      if (turnsFree_ > 0) {
        probe = true;
        break;
      }
      continue;
    }
    // A whole period with nothing to look at: end the back-off (0 stored
    // before the note is read again) and park until woken.
    endBackoff();
    if (runNextWakeSkipped_.exchange(false)) {
      if (turnsFree_ > 0) {
        probe = true;
        break;
      }
      runNextWakeSkipped_.store(true);  // still unseen: the next prober takes it
    }
  }
  --parked_;
  if (retire) {
    --threadsAlive_;
    ++stats_.retired;
    stats_.threads = threadsAlive_;
    mine.turn = Turn::Retired;
    retiredSlots_.push_back(mine.index);
    publishIdleLocked();
    return Unparked::Retire;
  }
  Unparked why = Unparked::Other;
  if (probe) {
    runNextProbes_.fetch_add(1, std::memory_order_relaxed);
    why = Unparked::Probe;
  }
  if (wakeups_ > 0) {  // a token carries its turn
    --wakeups_;
    if (runNextWakeups_ > 0) {  // which token this is cannot be told: count it as one
      --runNextWakeups_;
      if (!probe) why = Unparked::RunNextWake;
    }
  } else if (turnsFree_ > 0) {  // a probe, or queued work with a free turn
    --turnsFree_;
  }  // else stopping: no turn needed to exit
  mine.turn = Turn::Running;
  mine.turnsTaken.fetch_add(1, std::memory_order_relaxed);
  if (handOver && idleLocked() > 0) {
    issueWakeLocked();
    ++runNextWakeups_;
    cv_.notify_one();  // under mu_: rare
  }
  publishIdleLocked();
  return why;
}

void Scheduler::handOverQueuedLocked(Slot& mine) noexcept {
  bool moved = false;
  if (void* next = mine.runNext.exchange(nullptr, std::memory_order_acq_rel)) {
    queue_.push_back(std::coroutine_handle<>::from_address(next));
    moved = true;
  }
  while (void* coro = popLocal(mine)) {
    queue_.push_back(std::coroutine_handle<>::from_address(coro));
    moved = true;
  }
  if (!moved) return;
  queued_.store(queue_.size(), std::memory_order_release);
  if (idleLocked() > 0) {
    issueWakeLocked();
    cv_.notify_one();  // under mu_: rare
  }
}

void Scheduler::run(Slot& mine) {
  tCurrentScheduler = this;
  tSlot = &mine;
  tPreempt = &mine.preempt;
  mine.tid.store(currentThreadId(), std::memory_order_relaxed);
  // Odd while a coroutine runs (the monitor watches it); a reused slot
  // carries on from its last value, which is even.
  std::uint32_t progress = mine.progress.load(std::memory_order_relaxed);
  unsigned tick = 0;
  // Why this thread last left park(), until it has looked for work.
  Unparked unparked = Unparked::Other;
  for (;;) {
    std::coroutine_handle<> h;
    if (++tick % 61 == 0) {  // now and then the queues first: a run-next pair cannot starve them
      h = takeGlobal();
      if (!h) h = std::coroutine_handle<>::from_address(popLocal(mine));
    }
    if (!h) {
      if (void* next = mine.runNext.exchange(nullptr, std::memory_order_acq_rel)) {
        h = std::coroutine_handle<>::from_address(next);
      }
    }
    if (!h) h = std::coroutine_handle<>::from_address(popLocal(mine));
    if (!h) h = takeGlobal();
    if (!h) {
      h = spinForWork(mine);
      // Work found: if more waits than this thread can take (queued, or a
      // run-next a filler left to the spinners), get a parked thread going.
      if (h && (queued_.load(std::memory_order_acquire) > 0 || queuedOnOtherThreads(mine)))
        wakeIdleIfNoSpinner();
    }
    if (unparked != Unparked::Other) {
      noteRunNextOutcome(unparked, static_cast<bool>(h));
      unparked = Unparked::Other;
    }
    if (h) {
      mine.progress.store(++progress, std::memory_order_relaxed);
      h.resume();
      mine.progress.store(++progress, std::memory_order_relaxed);
      if (!mine.turnless && (mine.preempt.load(std::memory_order_relaxed) & kBlocked) == 0) [[likely]]
        continue;
      // The monitor gave this thread's turn away while the coroutine ran:
      // run on with a free turn, or hand the queued work over and park.
      std::unique_lock<std::mutex> lock(mu_);
      mine.preempt.fetch_and(~kBlocked, std::memory_order_relaxed);
      if (regainTurnLocked(mine)) continue;
      handOverQueuedLocked(mine);
      unparked = park(lock, mine);
      if (unparked == Unparked::Retire) break;
      continue;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_ && queue_.empty()) break;
    if (!queue_.empty() && mine.turn == Turn::Running) continue;
    unparked = park(lock, mine);
    if (unparked == Unparked::Retire) break;
  }
  tCurrentScheduler = nullptr;
  tSlot = nullptr;
  tPreempt = &gNeverPreempted;
}

}  // namespace flow::detail
