// flow/detail/scheduler.h — runs coroutines on a small pool of threads.
// Each thread has a one-slot "run next" (like Go's runnext): a coroutine
// woken by code running on a scheduler thread runs next on that same thread,
// so a channel hand-off between two coroutines costs a cache-line transfer,
// not a futex wake. A coroutine displaced from the run-next goes to the
// thread's local queue (Go's runq), so a chain of three or more hand-offs
// stays on the core too. Everything else goes through one shared FIFO. Idle
// threads spin briefly (stealing a run-next or local-queue entry that sat
// unclaimed) before they park. Cooperative: a coroutine that never suspends
// keeps its thread. Does not know about channels, timers or pipelines.
//
// A run-next is never left behind (nor a local-queue entry: the same rules
// apply). Filling an empty run-next publishes it and then wakes a parked
// thread, unless a thread spins (it will look), none is parked (whichever
// parks next looks), or the back-off below leaves it to the probing
// thread. A thread that stops spinning re-reads the run-next
// slots: having found work, it wakes a parked thread if one is occupied;
// parking, it parks with a timeout (as the probing thread) and looks again.
// Those reads come after its seq_cst "I stopped spinning / I am parked", as
// the filler's check comes after its seq_cst publish, so one side sees the
// other. So a run-next behind a coroutine that keeps running is taken by an
// idle thread within a back-off period.
//
// Run-next wake back-off. In a ping-pong the owner always claims its slot
// itself, so each run-next wake is wasted: it costs the waker a futex call
// and the pair the woken thread's polling (it can double a round
// trip). So when a thread woken for a run-next spins without finding work,
// run-next fills stop waking anyone while a parked thread probes: it wakes
// itself after a period (100 µs, doubling to 2 ms) and spins if a wake was
// skipped meanwhile or a run-next is occupied. A probe or wake that finds
// work ends the back-off; so does a period with nothing to look at. Work on
// the shared queue always wakes at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace flow::detail {

class Scheduler;
/// The scheduler whose thread is running the caller (Scheduler::current()).
/// Inline, so every awaiter that suspends reads it without a call.
inline thread_local Scheduler* tCurrentScheduler = nullptr;

class Scheduler {
 public:
  /// `threads` <= 0 means defaultThreads().
  explicit Scheduler(int threads);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Hardware concurrency, or FLOW_THREADS if set to a positive integer.
  static int defaultThreads();
  /// The scheduler whose thread is running the caller, or null.
  static Scheduler* current() noexcept { return tCurrentScheduler; }

  /// Starts the threads. Not thread-safe; call once.
  void start();
  /// Makes every thread exit once the queue is empty and joins them. The
  /// caller must ensure no coroutine is still runnable or will be woken.
  void stop();

  /// Makes `h` runnable. Thread-safe. Never blocks for long. May allocate.
  void schedule(std::coroutine_handle<> h) noexcept;
  /// Makes `h` runnable on the shared queue (never the caller's run-next),
  /// waking a parked thread if none spins. Thread-safe.
  void scheduleShared(std::coroutine_handle<> h) noexcept { pushGlobal(h); }
  /// Makes every handle runnable under one lock (timer batches).
  void scheduleBatch(std::span<const std::coroutine_handle<>> hs) noexcept;

  [[nodiscard]] int threadCount() const noexcept { return threadCount_; }

  /// What the run-next wake back-off has done (tests read it): wakes that
  /// run-next fills issued, and how many of them found no work; probes that
  /// parked threads made; how often a back-off ended; and the current streak
  /// of fruitless run-next wakes and probes (0: not backing off).
  struct RunNextWakeStats {
    std::uint64_t wakes = 0;
    std::uint64_t wastedWakes = 0;
    std::uint64_t probes = 0;
    std::uint64_t backoffEnds = 0;
    int backoff = 0;
  };
  [[nodiscard]] RunNextWakeStats runNextWakeStats() const noexcept {
    constexpr auto kRelaxed = std::memory_order_relaxed;
    return {runNextWakesIssued_.load(kRelaxed), runNextWastedWakes_.load(kRelaxed),
            runNextProbes_.load(kRelaxed), runNextBackoffEnds_.load(kRelaxed),
            runNextBackoff_.load(kRelaxed)};
  }

 private:
  struct alignas(64) Slot {
    std::atomic<void*> runNext{nullptr};  // a coroutine address, or null
    // Bumped by the owning thread each time it fills runNext, so a spinner
    // can tell "the same coroutine has waited there all along" from "the
    // slot was taken and refilled" (a ping-pong refills it with the same
    // address every hop). Written only by the owner.
    std::atomic<std::uint32_t> fills{0};
    // The local queue: run-next's overflow. A coroutine displaced from
    // runNext waits here, taken by this thread after its run-next (so a
    // chain of hand-offs among three or more coroutines stays on one core),
    // or stolen by an idle thread once it has sat here (head unmoved) for
    // kStealRunNextAfter. Go's runq: the owner pushes at tail; the owner
    // and thieves take at head with a CAS.
    static constexpr std::uint32_t kLocalSize = 256;
    alignas(64) std::atomic<std::uint32_t> head{0};  // CAS by the owner and thieves
    alignas(64) std::atomic<std::uint32_t> tail{0};  // written only by the owner
    std::atomic<void*> local[kLocalSize]{};
  };
  /// Owner only: appends to `s`'s local queue (seq_cst publish); false if full.
  static bool pushLocal(Slot& s, void* coro) noexcept;
  /// The owner or a thief: takes the oldest in `s`'s local queue, or null.
  static void* popLocal(Slot& s) noexcept;
  void run(int index);
  /// Why park() returned, as far as the run-next back-off cares.
  enum class Unparked { Other, RunNextWake, Probe };
  /// Parks the calling thread (mu_ held by `lock`) until there is work, a
  /// wake-up token, stop, or time to probe for a run-next.
  Unparked park(std::unique_lock<std::mutex>& lock);
  /// A thread woken for a run-next, or probing, has looked for work.
  void noteRunNextOutcome(Unparked why, bool foundWork) noexcept;
  /// Sets the streak to 0 (seq_cst) and counts the end of a back-off.
  void endBackoff() noexcept;
  /// Whether another thread's run-next or local queue holds a coroutine
  /// (seq_cst loads).
  [[nodiscard]] bool queuedOnOtherThreads(int index) const noexcept;
  std::coroutine_handle<> takeGlobal() noexcept;
  std::coroutine_handle<> spinForWork(int index) noexcept;
  /// What a spinner saw in another thread's run-next, to tell "waited there
  /// all along" from "taken and refilled".
  struct SeenRunNext {
    void* coro = nullptr;
    std::uint32_t fills = 0;
    std::chrono::steady_clock::time_point since{};
    // The local queue: non-empty with this head since localSince.
    bool localWaiting = false;
    std::uint32_t localHead = 0;
    std::chrono::steady_clock::time_point localSince{};
  };
  /// Takes a run-next, or the oldest of a local queue, that `seen` shows
  /// unclaimed for kStealRunNextAfter.
  std::coroutine_handle<> stealStaleRunNext(int index, std::span<SeenRunNext> seen) noexcept;
  void pushGlobal(std::coroutine_handle<> h) noexcept;
  void wakeIdleIfNoSpinner() noexcept;
  /// schedule()'s variant, after a run-next was published: may leave the
  /// slot to a spinner, a parking thread or the probing thread.
  void wakeIdleForRunNext() noexcept;
  /// Requires mu_. Stores idleHint_ after parked_ or wakeups_ changed.
  void publishIdleLocked() noexcept { idleHint_.store(parked_ > wakeups_ ? parked_ - wakeups_ : 0); }

  int threadCount_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> threads_;

  std::mutex mu_;  // Guards queue_, parked_, wakeups_, stopping_. Never held
                   // while resuming a coroutine.
  std::condition_variable cv_;
  std::deque<std::coroutine_handle<>> queue_;
  int parked_ = 0;   // threads waiting on cv_
  int wakeups_ = 0;  // pending "go look for work" tokens for parked threads
  bool stopping_ = false;
  std::atomic<std::size_t> queued_{0};  // == queue_.size(), readable without mu_
  std::atomic<int> idleHint_{0};        // parked threads no wake-up token is on its way to
                                        // (parked_ - wakeups_, at least 0), readable without mu_
  std::atomic<int> spinning_{0};        // threads spinning for work

  // Run-next wake back-off (see the top of this file).
  std::atomic<int> runNextBackoff_{0};           // fruitless run-next wakes in a row; 0 = wake as usual
  std::atomic<bool> runNextWakeSkipped_{false};  // a run-next fill did not wake anyone since the last probe
  int runNextWakeups_ = 0;                 // guarded by mu_: how many of wakeups_ a run-next fill issued
  bool probing_ = false;                   // guarded by mu_: one parked thread waits timed, to probe
  std::atomic<bool> proberParked_{false};  // == probing_, readable without mu_
  std::atomic<std::uint64_t> runNextWakesIssued_{0};  // only for runNextWakeStats()
  std::atomic<std::uint64_t> runNextWastedWakes_{0};  // only for runNextWakeStats()
  std::atomic<std::uint64_t> runNextProbes_{0};       // only for runNextWakeStats()
  std::atomic<std::uint64_t> runNextBackoffEnds_{0};  // only for runNextWakeStats()
};

}  // namespace flow::detail
