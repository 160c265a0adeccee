// flow/detail/scheduler.h — runs coroutines on a pool of threads.
// At most N threads run coroutines at once (N = FLOW_THREADS, default the
// core count): each holds one of N *turns*. A thread that stops coming
// back — blocked in a call — loses its turn to another thread, started if
// none is idle (Go's sysmon and P hand-off; scheduler_monitor.cpp).
// Each thread has a one-slot "run next" (like Go's runnext): a coroutine
// woken by code running on a scheduler thread runs next on that same thread,
// so a channel hand-off between two coroutines costs a cache-line transfer,
// not a futex wake. A coroutine displaced from the run-next goes to the
// thread's local queue (Go's runq), so a chain of three or more hand-offs
// stays on the core too. Everything else goes through one shared FIFO. Idle
// threads spin briefly (stealing a run-next or local-queue entry that sat
// unclaimed) before they park. Does not know about channels, timers or
// pipelines.
//
// A run-next is never left behind (nor a local-queue entry: the same rules
// apply). Filling an empty run-next publishes it and then wakes a parked
// thread, unless a thread spins (it will look), none is parked with a turn
// free for it (whichever parks next looks, or the turn's holder), or the
// back-off below leaves it to the probing thread. A thread that stops
// spinning re-reads the run-next slots: having found work, it wakes a parked
// thread if one is occupied; parking, it parks with a timeout (as the
// probing thread) and looks again. Those reads come after its seq_cst "I
// stopped spinning / I am parked", as the filler's check comes after its
// seq_cst publish, so one side sees the other. So a run-next behind a
// coroutine that keeps running is taken by an idle thread within a back-off
// period.
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
#include <string>
#include <thread>
#include <vector>

#include "flow/detail/preempt.h"
#include "flow/time.h"

namespace flow::detail {

class Scheduler;
/// The scheduler whose thread is running the caller (Scheduler::current()).
/// Inline, so every awaiter that suspends reads it without a call.
inline thread_local Scheduler* tCurrentScheduler = nullptr;

class Scheduler {
 public:
  /// How many threads, and how the monitor treats them (tests shorten the times).
  struct Limits {
    int threads = 0;                     // turns: threads running coroutines at once; <= 0: defaultThreads()
    int maxThreads = 0;                  // threads in all, blocked ones included; <= 0: defaultMaxThreads()
    std::chrono::microseconds tick{50};  // the monitor's shortest period
    std::chrono::milliseconds retireAfter{1000};  // an idle thread beyond `threads` exits after this
  };
  /// `threads` <= 0 means defaultThreads().
  explicit Scheduler(int threads);
  explicit Scheduler(const Limits& limits);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Hardware concurrency, or FLOW_THREADS if it is valid (parseCount).
  static int defaultThreads();
  /// 10,000 (Go's default), or FLOW_MAX_THREADS if it is valid (parseCount).
  static int defaultMaxThreads();
  /// The bounds of FLOW_THREADS and FLOW_MAX_THREADS.
  static constexpr long kMaxThreads = 1024;
  static constexpr long kMaxMaxThreads = 1'000'000;
  /// A count from 1 to `max` in decimal, or 0 for anything else.
  static int parseCount(const char* text, long max) noexcept;
  /// The scheduler whose thread is running the caller, or null.
  static Scheduler* current() noexcept { return tCurrentScheduler; }

  /// Starts the threads and the monitor. Not thread-safe; call once.
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

  /// The number of turns (threads that run coroutines at once).
  [[nodiscard]] int threadCount() const noexcept { return threadCount_; }

  /// Every thread is parked, and nothing is queued, in a run-next or
  /// promised to a parked thread: no coroutine runs, and none will until
  /// something outside the scheduler (a timer, a channel operation of
  /// another thread) wakes one. A thread inside a blocking call is not
  /// parked. The virtual clock moves only then (timer.h). Thread-safe.
  [[nodiscard]] bool isQuiescent() const noexcept;

  // ---- preemption (flow/detail/preempt.h) -------------------------------
  /// The run is being cancelled: from now on every preemption point on every
  /// thread checks in (so every body sees it, wherever it runs). Thread-safe.
  void requestCheckIns() noexcept;
  /// The worker loop's preemption point, between items (called when the
  /// check-in word is set): takes the check-in. True if the caller must
  /// queue its coroutine on the shared queue and suspend — the thread came
  /// back from a blocking call and coroutines wait for turns, or it was
  /// asked to yield its turn — as Go puts a goroutine back from a system call
  /// on the global run queue; the thread then takes a free turn or parks.
  bool checkInBetweenItems() noexcept;
  /// preempted() on a scheduler thread: takes the check-in word; if the
  /// monitor gave this thread's turn away, waits for one; if asked to yield,
  /// passes its turn to a waiting thread and waits for it back.
  void checkIn() noexcept;
  /// The item deadline of the body the calling thread runs, so the monitor
  /// asks it to check in when it passes. Cheap; a no-op off scheduler threads.
  static void noteDeadline(Deadline d) noexcept;

  /// What the monitor has done (tests and the benchmarks read it).
  struct ThreadStats {
    int threads = 0;            // threads alive now
    int peakThreads = 0;        // most threads alive at once
    std::uint64_t blocked = 0;  // times a thread was found blocked and its turn given away
    std::uint64_t started = 0;  // threads started beyond the first `threads`
    std::uint64_t retired = 0;  // idle threads that exited
    std::uint64_t yielded = 0;  // turns passed on by a thread asked to yield
  };
  [[nodiscard]] ThreadStats threadStats() const;

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
  /// What a thread is doing, as far as turns go. Guarded by mu_.
  enum class Turn : std::uint8_t {
    Running,  // holds a turn: runs coroutines or spins
    Parked,   // holds none, waits for work (park())
    Blocked,  // the monitor gave its turn away; still inside a coroutine
    Waiting,  // inside a coroutine, waits for a turn (awaitTurn())
    Retired,  // exited; its slot is free once the monitor has joined it
  };
  /// One thread's queues and the words the monitor reads and writes.
  struct alignas(64) Slot {
    std::atomic<void*> runNext{nullptr};  // a coroutine address, or null
    // Bumped by the owning thread each time it fills runNext, so a spinner
    // can tell "the same coroutine has waited there all along" from "the
    // slot was taken and refilled" (a ping-pong refills it with the same
    // address every hop). Written only by the owner.
    std::atomic<std::uint32_t> fills{0};
    // Owner only: the monitor gave this thread's turn away while it was in
    // a call, and it is back and running on without one; what it wakes goes
    // to the shared queue, not its run-next.
    bool turnless = false;
    RealClock::time_point graceUntil{};  // owner only: when a turnless thread must get a turn
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
    // The monitor's view. progress: odd while the owner runs a coroutine,
    // bumped before and after each (owner only). preempt: the check-in
    // word (preempt.h bits), which tPreempt points at. checkIns: bumped by
    // the owner on every check-in. turnsTaken: bumped (under mu_) each time
    // the thread gets a turn. deadline: the item deadline of the body
    // running here (Clock ticks; max: none), stale once it ends.
    alignas(64) std::atomic<std::uint32_t> progress{0};
    std::atomic<std::uint32_t> preempt{0};
    std::atomic<std::uint32_t> checkIns{0};
    // True while the owner is inside checkIn()/checkInBetweenItems(): at a
    // preemption point, so not blocked in a call even while it waits for mu_.
    std::atomic<bool> inCheckIn{false};
    std::atomic<std::uint32_t> turnsTaken{0};
    std::atomic<long> tid{0};  // the owner's kernel thread id
    std::atomic<Clock::rep> deadline{Clock::duration::max().count()};
    // Guarded by mu_.
    Turn turn = Turn::Running;
    bool granted = false;               // awaitTurn(): a turn was handed to this thread
    std::condition_variable turnGiven;  // awaitTurn() waits on it
    std::thread thread;                 // the owner (joined by stop() or the monitor)
    int index = 0;                      // in slots_
  };
  /// The calling thread's slot (null off scheduler threads).
  static thread_local Slot* tSlot;
  /// Owner only: appends to `s`'s local queue (seq_cst publish); false if full.
  static bool pushLocal(Slot& s, void* coro) noexcept;
  /// The owner or a thief: takes the oldest in `s`'s local queue, or null.
  static void* popLocal(Slot& s) noexcept;
  void run(Slot& mine);
  /// Why park() returned, as far as the run-next back-off cares.
  enum class Unparked { Other, RunNextWake, Probe, Retire };
  /// Parks the calling thread (mu_ held by `lock`) until there is work and
  /// a turn, a wake-up token, stop, time to probe for a run-next, or (a
  /// thread beyond the turns) time to retire. Gives up the thread's turn.
  Unparked park(std::unique_lock<std::mutex>& lock, Slot& mine);
  /// A thread woken for a run-next, or probing, has looked for work.
  void noteRunNextOutcome(Unparked why, bool foundWork) noexcept;
  /// Sets the streak to 0 (seq_cst) and counts the end of a back-off.
  void endBackoff() noexcept;
  /// Whether another thread's run-next or local queue holds a coroutine
  /// (seq_cst loads).
  [[nodiscard]] bool queuedOnOtherThreads(const Slot& self) const noexcept;
  /// Whether a coroutine is runnable but not running: in the shared queue,
  /// or in any thread's run-next or local queue (`mine`'s included).
  [[nodiscard]] bool coroutinesWaiting(const Slot& mine) const noexcept;
  std::coroutine_handle<> takeGlobal() noexcept;
  std::coroutine_handle<> spinForWork(Slot& mine) noexcept;
  /// What a spinner saw in another thread's run-next, to tell "waited there
  /// all along" from "taken and refilled".
  struct SeenRunNext {
    void* coro = nullptr;
    std::uint32_t fills = 0;
    RealClock::time_point since{};
    // The local queue: non-empty with this head since localSince.
    bool localWaiting = false;
    std::uint32_t localHead = 0;
    RealClock::time_point localSince{};
  };
  /// Takes a run-next, or the oldest of a local queue, that `seen` shows
  /// unclaimed for kStealRunNextAfter.
  std::coroutine_handle<> stealStaleRunNext(const Slot& self, std::span<SeenRunNext> seen) noexcept;
  void pushGlobal(std::coroutine_handle<> h) noexcept;
  void wakeIdleIfNoSpinner() noexcept;
  /// schedule()'s variant, after a run-next was published: may leave the
  /// slot to a spinner, a parking thread or the probing thread.
  void wakeIdleForRunNext() noexcept;
  /// Requires mu_. Parked threads a wake-up token may go to: as many as are
  /// parked without a token, but no more than there are free turns.
  [[nodiscard]] int idleLocked() const noexcept {
    const int parked = parked_ - wakeups_;
    return parked < turnsFree_ ? (parked > 0 ? parked : 0) : turnsFree_;
  }
  /// Requires mu_ and idleLocked() > 0: a token for a parked thread, with
  /// the turn it will run with. The caller notifies cv_.
  void issueWakeLocked() noexcept {
    ++wakeups_;
    --turnsFree_;
    publishIdleLocked();
  }
  /// Requires mu_. Stores idleHint_ after parked_, wakeups_ or turnsFree_ changed.
  void publishIdleLocked() noexcept { idleHint_.store(idleLocked()); }

  // ---- turns and the monitor (scheduler_monitor.cpp) ---------------------
  /// Requires mu_: the caller's turn goes to the longest-waiting thread, or
  /// becomes free.
  void releaseTurnLocked() noexcept;
  /// The caller (inside a coroutine, without a turn) waits until it has one.
  void awaitTurn(Slot& mine, std::unique_lock<std::mutex>& lock);
  /// Requires mu_ and a free turn: makes sure a thread will use it — wakes a
  /// parked one, or starts one (up to maxThreads_). Returns a slot whose
  /// thread the caller must start (outside mu_), or null.
  Slot* useFreeTurnLocked() noexcept;
  /// The calling thread's kernel id (0 where unknown).
  static long currentThreadId() noexcept;
  /// Starts the thread of a slot useFreeTurnLocked() returned.
  void startThread(Slot& s);
  /// The monitor thread: every tick, asks threads that have run one
  /// coroutine since the last tick to check in, gives away the turns of
  /// those that did not, and joins retired threads.
  void monitor();
  /// One tick; returns true if it found a thread blocked or a thread waits
  /// for a turn (the monitor keeps its shortest period then).
  struct MonitorSeen;
  /// Item deadlines are compared with the program clock's now, and left
  /// out on the virtual clock (simulated time has no real instant).
  bool monitorTick(std::vector<MonitorSeen>& seen, RealClock::time_point now, Clock::rep& nextDeadline);
  void wakeMonitor() noexcept;
  /// The owner takes its check-in word (and notes a kBlocked: turnless).
  std::uint32_t takeCheckIn(Slot& mine) noexcept;
  /// The owner runs without a turn and its grace is over.
  [[nodiscard]] bool graceOver(const Slot& mine) const noexcept;
  /// Requires mu_; the owner, outside any coroutine, found kBlocked in its
  /// word: clears it; true if the thread has a turn again (a free one).
  bool regainTurnLocked(Slot& mine) noexcept;
  /// Requires mu_; the owner, about to park without a turn: its run-next
  /// and local queue go to the shared queue (a parked thread is woken).
  void handOverQueuedLocked(Slot& mine) noexcept;

  const int threadCount_;
  const int maxThreads_;
  const Limits limits_;
  std::unique_ptr<std::atomic<Slot*>[]> slots_;  // maxThreads_ entries; non-null below slotCount_
  std::atomic<int> slotCount_{0};

  mutable std::mutex mu_;  // Guards queue_, parked_, wakeups_, stopping_, turns and
                           // slots' turn state. Never held while resuming a coroutine.
  std::condition_variable cv_;
  std::deque<std::coroutine_handle<>> queue_;
  int parked_ = 0;   // threads waiting on cv_
  int wakeups_ = 0;  // pending "go look for work" tokens for parked threads, each with a turn
  bool stopping_ = false;
  int turnsFree_ = 0;                   // turns no thread holds and no token carries
  std::deque<Slot*> turnWaiters_;       // threads in awaitTurn(), longest-waiting first
  int threadsAlive_ = 0;                // threads started and not retired
  std::vector<int> freeSlots_;          // slots of retired threads the monitor has joined
  std::vector<int> retiredSlots_;       // slots of retired threads not joined yet
  std::atomic<int> waitingForTurn_{0};  // == turnWaiters_.size(), readable without mu_
  std::atomic<std::size_t> queued_{0};  // == queue_.size(), readable without mu_
  std::atomic<int> idleHint_{0};        // idleLocked(), readable without mu_
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

  // The monitor (scheduler_monitor.cpp).
  std::thread monitor_;
  std::mutex monMu_;  // guards monStop_; monCv_ wakes the monitor
  std::condition_variable monCv_;
  bool monStop_ = false;
  std::atomic<Clock::rep> monWakeAt_{0};    // when the monitor wakes next (Clock ticks)
  std::atomic<bool> alwaysCheckIn_{false};  // requestCheckIns() was called
  ThreadStats stats_;                       // guarded by mu_
};

}  // namespace flow::detail
