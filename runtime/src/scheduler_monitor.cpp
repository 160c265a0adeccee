// scheduler_monitor.cpp — turns, and the monitor thread that keeps them in
// use (Go's sysmon and its P hand-off; see flow/detail/scheduler.h).
//
// N turns (the scheduler's threadCount()) bound how many threads run
// coroutines at once. A thread that runs or spins holds one; a parked
// thread holds none; a wake-up token carries one to the thread it wakes.
// Invariants (under mu_): threads holding a turn + turnsFree_ + wakeups_ = N,
// and a turn is free only while no thread waits for one (awaitTurn()).
//
// Every tick the monitor asks each thread that is inside a coroutine to
// check in (a bit in its check-in word, read by flow::poll() at every loop
// back-edge, before every send and before every item). Flow code checks in
// within nanoseconds. A thread still inside the same coroutine at the next
// tick that has not checked in is blocked — in an extern call, a system
// call, a long built-in — and its turn goes to another thread: a parked one,
// or a new one (up to maxThreads_ threads in all). When the blocked call
// returns, the thread's next check-in (or the end of its coroutine) takes a
// free turn or waits for one: threads with a body in hand are served first,
// in order. A thread asked to yield (it has run one coroutine for kSlice
// while a thread waits for a turn, or while coroutines wait to run and no
// thread is idle) passes its turn on — to the waiting thread, or to a
// parked or new one that serves the queue — and queues for another.
// A thread beyond the N that is idle for Limits::retireAfter exits.
//
// The tick is Limits::tick (50 µs) while threads are found blocked or wait
// for turns, doubling after kQuietTicks quiet ticks up to kMaxPeriod, as
// Go's sysmon does (20 µs to 10 ms): a busy pipeline pays ~100 monitor
// wake-ups a second. The threshold is therefore one tick: a call shorter
// than ~50 µs never costs a thread, and a chain of 50 blocked calls is
// handed new threads within a few milliseconds. The monitor also wakes at
// the earliest item deadline a thread published (noteDeadline) and asks
// that thread to check in, so a CPU-bound body with a `timeout` fails within
// a check interval of its deadline.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "flow/detail/scheduler.h"

#if defined(__linux__)
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace flow::detail {
namespace {

constexpr auto kMaxPeriod = std::chrono::milliseconds(10);
constexpr int kQuietTicks = 50;
constexpr auto kSlice = std::chrono::milliseconds(10);
constexpr Clock::rep kNoDeadlineRep = Clock::duration::max().count();

/// Whether the kernel has thread `tid` of this process running or ready to
/// run (state R in /proc): computing, or waiting for a core — not blocked,
/// and another thread would not get more done. False when unknown.
bool isRunnable(long tid) noexcept {
#if defined(__linux__)
  if (tid <= 0) return false;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* close = std::strrchr(buf, ')');  // the name may hold anything
  return close != nullptr && close[1] == ' ' && close[2] == 'R';
#else
  (void)tid;
  return false;
#endif
}

}  // namespace

long Scheduler::currentThreadId() noexcept {
#if defined(__linux__)
  return static_cast<long>(::syscall(SYS_gettid));
#else
  return 0;
#endif
}

/// What the monitor saw of one slot at the last tick.
struct Scheduler::MonitorSeen {
  std::uint32_t progress = 0;     // even: not inside a coroutine
  std::uint32_t checkIns = 0;     // when it asked
  std::uint32_t turnsTaken = 0;   // when it asked
  RealClock::time_point since{};  // when it first saw this coroutine run with its current turn
  bool asked = false;             // it asked this coroutine's thread to check in
  bool blocked = false;           // it gave this thread's turn away
  bool ranSinceMark = false;      // blocked: it checked in since the last kBlocked
  int quietTicks = 0;             // blocked: ticks in a row without a check-in
};

void Scheduler::releaseTurnLocked() noexcept {
  if (!turnWaiters_.empty()) {
    Slot* next = turnWaiters_.front();
    turnWaiters_.pop_front();
    waitingForTurn_.store(static_cast<int>(turnWaiters_.size()), std::memory_order_relaxed);
    next->granted = true;
    next->turn = Turn::Running;
    next->turnsTaken.fetch_add(1, std::memory_order_relaxed);
    next->turnGiven.notify_one();
    return;
  }
  ++turnsFree_;
}

void Scheduler::awaitTurn(Slot& mine, std::unique_lock<std::mutex>& lock) {
  handOverQueuedLocked(mine);  // what it woke runs meanwhile on the turns' holders
  if (turnsFree_ > 0) {
    // A turn was freed while this thread held none and was not yet queued
    // for one (a yield lets go of mu_ to start a thread, and the thread may
    // park before it is back): nobody would hand it over, so take it.
    --turnsFree_;
    mine.turn = Turn::Running;
    mine.turnsTaken.fetch_add(1, std::memory_order_relaxed);
    mine.turnless = false;
    publishIdleLocked();
    return;
  }
  mine.turn = Turn::Waiting;
  mine.granted = false;
  turnWaiters_.push_back(&mine);
  waitingForTurn_.store(static_cast<int>(turnWaiters_.size()), std::memory_order_relaxed);
  publishIdleLocked();
  mine.turnGiven.wait(lock, [&] { return mine.granted || stopping_; });
  if (!mine.granted) {  // stopping: no turns any more
    turnWaiters_.erase(std::find(turnWaiters_.begin(), turnWaiters_.end(), &mine));
    waitingForTurn_.store(static_cast<int>(turnWaiters_.size()), std::memory_order_relaxed);
    mine.turn = Turn::Running;
  }
  mine.turnless = false;
}

bool Scheduler::regainTurnLocked(Slot& mine) noexcept {
  if (mine.turn != Turn::Blocked) {
    mine.turnless = false;
    return mine.turn == Turn::Running;
  }
  if (turnsFree_ == 0) return false;  // (a free turn means nobody waits for one)
  --turnsFree_;
  mine.turn = Turn::Running;
  mine.turnless = false;
  mine.turnsTaken.fetch_add(1, std::memory_order_relaxed);
  publishIdleLocked();
  return true;
}

std::uint32_t Scheduler::takeCheckIn(Slot& mine) noexcept {
  const std::uint32_t word = mine.preempt.exchange(
      alwaysCheckIn_.load(std::memory_order_relaxed) ? kCheckIn : 0, std::memory_order_acq_rel);
  mine.checkIns.store(mine.checkIns.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if ((word & kBlocked) != 0) {
    std::lock_guard<std::mutex> lock(mu_);
    if (mine.turn == Turn::Blocked) {
      // Back from a blocking call: run on without a turn for a grace of two
      // ticks (the call that follows often blocks again at once); what it
      // wakes goes to the shared queue meanwhile.
      mine.graceUntil = RealClock::now() + 2 * limits_.tick;
      if (!mine.turnless) handOverQueuedLocked(mine);
      mine.turnless = true;
    }
  }
  // Without a turn, every preemption point looks, so that the thread takes
  // a turn (or waits for one) as soon as its grace is over — not at the
  // monitor's next tick, which may be up to kMaxPeriod away.
  if (mine.turnless) mine.preempt.fetch_or(kCheckIn, std::memory_order_relaxed);
  return word;
}

bool Scheduler::graceOver(const Slot& mine) const noexcept {
  return mine.turnless && RealClock::now() >= mine.graceUntil;
}

namespace {
/// Marks the owner as inside a check-in (Slot::inCheckIn) for its scope.
class InCheckIn {
 public:
  explicit InCheckIn(std::atomic<bool>& flag) noexcept : flag_(flag) {
    flag_.store(true, std::memory_order_relaxed);
  }
  ~InCheckIn() { flag_.store(false, std::memory_order_relaxed); }
  InCheckIn(const InCheckIn&) = delete;
  InCheckIn& operator=(const InCheckIn&) = delete;

 private:
  std::atomic<bool>& flag_;
};
}  // namespace

void Scheduler::checkIn() noexcept {
  Slot& mine = *tSlot;
  const InCheckIn inside(mine.inCheckIn);
  const std::uint32_t word = takeCheckIn(mine);
  if (mine.turnless) {
    if (!graceOver(mine)) return;
    // Its grace is over, body in hand: a free turn, or wait for one.
    std::unique_lock<std::mutex> lock(mu_);
    if (!regainTurnLocked(mine)) awaitTurn(mine, lock);
    return;
  }
  if ((word & kYield) == 0) return;
  std::unique_lock<std::mutex> lock(mu_);
  if (mine.turn != Turn::Running) return;
  if (!turnWaiters_.empty()) {
    ++stats_.yielded;
    releaseTurnLocked();
    awaitTurn(mine, lock);
    return;
  }
  // Coroutines wait behind this body and every turn is busy: its turn goes
  // to another thread (a parked one, or a new one) that serves them, and
  // this one queues for a turn with the body in hand — the OS time-slices
  // the threads meanwhile. At the thread cap it keeps its turn.
  if (!coroutinesWaiting(mine) || idleLocked() > 0 || threadsAlive_ >= maxThreads_) return;
  ++stats_.yielded;
  mine.turn = Turn::Blocked;  // no turn while the new thread starts (see awaitTurn)
  releaseTurnLocked();        // nobody waits for one: it becomes free
  Slot* fresh = useFreeTurnLocked();
  if (fresh != nullptr) {
    lock.unlock();
    startThread(*fresh);
    lock.lock();
  }
  awaitTurn(mine, lock);
}

bool Scheduler::coroutinesWaiting(const Slot& mine) const noexcept {
  return queued_.load(std::memory_order_acquire) > 0 || mine.runNext.load() != nullptr ||
         mine.tail.load() != mine.head.load() || queuedOnOtherThreads(mine);
}

bool Scheduler::checkInBetweenItems() noexcept {
  Slot& mine = *tSlot;
  const InCheckIn inside(mine.inCheckIn);
  const std::uint32_t word = takeCheckIn(mine);
  if (mine.turnless ? !graceOver(mine) : (word & kYield) == 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (mine.turnless) {
    if (queue_.empty() && regainTurnLocked(mine)) return false;
  } else {
    if ((word & kYield) == 0 || mine.turn != Turn::Running) return false;
    if (turnWaiters_.empty()) {
      // Only coroutines wait for this thread: this one goes behind them and
      // the thread keeps its turn (run() serves the shared queue).
      if (!coroutinesWaiting(mine)) return false;
      ++stats_.yielded;
      return true;
    }
    ++stats_.yielded;
    releaseTurnLocked();
    mine.turn = Turn::Blocked;  // no turn, as if found blocked
    mine.turnless = true;
  }
  // The caller queues its coroutine behind the others (Go puts a goroutine
  // back from a system call on the global run queue); run() then takes a
  // free turn or parks the thread.
  return true;
}

void Scheduler::noteDeadline(Deadline d) noexcept {
  Slot* s = tSlot;
  if (s == nullptr) return;
  const Clock::rep at = d.time_since_epoch().count();
  // seq_cst store, then load; the monitor stores its wake time, then reads
  // the deadlines: one of the two sees the other.
  s->deadline.store(at);
  Scheduler* self = tCurrentScheduler;
  if (at < self->monWakeAt_.load() && !virtualClockOn()) self->wakeMonitor();
}

void Scheduler::wakeMonitor() noexcept {
  {
    std::lock_guard<std::mutex> lock(monMu_);
    monWakeAt_.store(0, std::memory_order_relaxed);  // one wake is enough: it looks again
  }
  monCv_.notify_one();
}

void Scheduler::requestCheckIns() noexcept {
  alwaysCheckIn_.store(true);
  const int n = slotCount_.load(std::memory_order_acquire);
  for (int j = 0; j < n; ++j)
    slots_[static_cast<std::size_t>(j)].load(std::memory_order_acquire)->preempt.fetch_or(kCheckIn);
}

Scheduler::ThreadStats Scheduler::threadStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Scheduler::Slot* Scheduler::useFreeTurnLocked() noexcept {
  if (idleLocked() > 0) {
    issueWakeLocked();
    cv_.notify_one();
    return nullptr;
  }
  if (threadsAlive_ >= maxThreads_) return nullptr;  // the cap: the turn waits for a thread
  Slot* s = nullptr;
  if (!freeSlots_.empty()) {
    s = slots_[static_cast<std::size_t>(freeSlots_.back())].load(std::memory_order_relaxed);
    freeSlots_.pop_back();
    s->preempt.store(alwaysCheckIn_.load() ? kCheckIn : 0, std::memory_order_relaxed);
    s->deadline.store(kNoDeadlineRep, std::memory_order_relaxed);
  } else {
    const int index = slotCount_.load(std::memory_order_relaxed);
    s = new (std::nothrow) Slot;
    if (s == nullptr) return nullptr;
    if (alwaysCheckIn_.load()) s->preempt.store(kCheckIn, std::memory_order_relaxed);
    s->index = index;
    slots_[static_cast<std::size_t>(index)].store(s, std::memory_order_release);
    slotCount_.store(index + 1, std::memory_order_release);
  }
  --turnsFree_;
  ++threadsAlive_;
  ++stats_.started;
  stats_.threads = threadsAlive_;
  stats_.peakThreads = std::max(stats_.peakThreads, threadsAlive_);
  s->turn = Turn::Running;
  s->turnsTaken.fetch_add(1, std::memory_order_relaxed);
  publishIdleLocked();
  return s;
}

void Scheduler::startThread(Slot& s) {
  try {
    s.thread = std::thread([this, &s] { run(s); });
  } catch (const std::system_error&) {  // no more threads: the turn waits for one
    std::lock_guard<std::mutex> lock(mu_);
    --threadsAlive_;
    stats_.threads = threadsAlive_;
    s.turn = Turn::Retired;
    freeSlots_.push_back(s.index);
    releaseTurnLocked();
    publishIdleLocked();
  }
}

bool Scheduler::monitorTick(std::vector<MonitorSeen>& seen, RealClock::time_point now,
                            Clock::rep& nextDeadline) {
  const int n = slotCount_.load(std::memory_order_acquire);
  if (seen.size() < static_cast<std::size_t>(n)) seen.resize(static_cast<std::size_t>(n));
  const Clock::rep nowRep = Clock::now().time_since_epoch().count();  // item deadlines are program time
  // Simulated time has no real instant to wake at: a body's timeout then
  // takes effect only where it waits (docs/language.md, "Testing pipelines").
  const bool deadlines = !virtualClockOn();
  bool busy = waitingForTurn_.load(std::memory_order_relaxed) > 0;
  for (int j = 0; j < n; ++j) {
    Slot& s = *slots_[static_cast<std::size_t>(j)].load(std::memory_order_acquire);
    MonitorSeen& m = seen[static_cast<std::size_t>(j)];
    Clock::rep due = deadlines ? s.deadline.load(std::memory_order_relaxed) : kNoDeadlineRep;
    if (due <= nowRep) {
      if (s.deadline.compare_exchange_strong(due, kNoDeadlineRep, std::memory_order_relaxed))
        s.preempt.fetch_or(kCheckIn);
    } else {
      nextDeadline = std::min(nextDeadline, due);
    }
    const std::uint32_t progress = s.progress.load(std::memory_order_relaxed);
    if ((progress & 1) == 0) {  // between coroutines, or idle
      m.progress = progress;
      continue;
    }
    // Read before asking: a check-in after this counts.
    const std::uint32_t checkIns = s.checkIns.load(std::memory_order_relaxed);
    const std::uint32_t turnsTaken = s.turnsTaken.load(std::memory_order_relaxed);
    if (progress != m.progress) {  // a coroutine started since the last tick
      m = MonitorSeen{progress, checkIns, turnsTaken, now, true, false, false, 0};
      s.preempt.fetch_or(kCheckIn);
      continue;
    }
    if (turnsTaken != m.turnsTaken) m.since = now;  // a turn again: its slice starts
    if (m.blocked && turnsTaken == m.turnsTaken) {
      // Without a turn: still in its call, waiting for a turn, or back from
      // the call and running on (checking in at every preemption point until
      // its grace is over: takeCheckIn). Having run since it was marked, it has not
      // checked in for two ticks and the kernel has it waiting: in a call
      // again, so its next check-in starts a new grace. (Not one kept off a
      // core by the machine's load, nor one that waited on a lock briefly.)
      if (checkIns != m.checkIns) {
        m.ranSinceMark = true;
        m.quietTicks = 0;
      } else if (m.ranSinceMark && ++m.quietTicks >= 2 && !s.inCheckIn.load(std::memory_order_relaxed) &&
                 !isRunnable(s.tid.load(std::memory_order_relaxed))) {
        s.preempt.fetch_or(kBlocked);
        m.ranSinceMark = false;
      }
      s.preempt.fetch_or(kCheckIn);
      m.checkIns = checkIns;
      continue;
    }
    if (m.blocked) {  // it has a turn again
      m.blocked = false;
    } else if (m.asked && checkIns == m.checkIns && turnsTaken == m.turnsTaken &&
               !s.inCheckIn.load(std::memory_order_relaxed) &&
               !isRunnable(s.tid.load(std::memory_order_relaxed))) {
      // Asked a tick ago, no check-in since, it held its turn all along, and
      // the kernel has it waiting (a thread that computes without checking
      // in, or that the machine's load keeps off a core, keeps its turn; one
      // waiting for mu_ inside a check-in is not in a call).
      m.blocked = true;
      m.asked = false;
      m.ranSinceMark = false;
      m.quietTicks = 0;
      std::unique_lock<std::mutex> lock(mu_);
      // Re-checked under mu_: a thread that waited for a turn and got one
      // since the reads above is running, not blocked.
      if (s.turn != Turn::Running || s.progress.load(std::memory_order_relaxed) != progress ||
          s.turnsTaken.load(std::memory_order_relaxed) != turnsTaken)
        continue;
      s.turn = Turn::Blocked;
      s.preempt.fetch_or(kBlocked | kCheckIn);
      m.turnsTaken = s.turnsTaken.load(std::memory_order_relaxed);
      ++stats_.blocked;
      busy = true;
      releaseTurnLocked();
      Slot* fresh = turnsFree_ > 0 ? useFreeTurnLocked() : nullptr;
      lock.unlock();
      if (fresh != nullptr) startThread(*fresh);
      continue;
    }
    // It checks in (computing): ask again, and to yield if it has run long
    // and a thread waits for a turn.
    m.checkIns = checkIns;
    m.turnsTaken = turnsTaken;
    m.asked = true;
    const bool yield =
        now - m.since >= kSlice && (waitingForTurn_.load(std::memory_order_relaxed) > 0 ||
                                    (idleHint_.load(std::memory_order_relaxed) == 0 &&
                                     spinning_.load(std::memory_order_relaxed) == 0 && coroutinesWaiting(s)));
    s.preempt.fetch_or(yield ? kCheckIn | kYield : kCheckIn);
  }
  return busy;
}

void Scheduler::monitor() {
#if defined(__linux__)
  // The default timer slack (50 µs) would double the shortest tick.
  (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
#endif
  std::vector<MonitorSeen> seen;
  std::vector<int> retired;
  std::chrono::nanoseconds period = limits_.tick;
  int quiet = 0;
  std::unique_lock<std::mutex> lock(monMu_);
  while (!monStop_) {
    lock.unlock();
    const RealClock::time_point now = RealClock::now();
    Clock::rep nextDeadline = kNoDeadlineRep;
    const bool busy = monitorTick(seen, now, nextDeadline);
    {
      std::lock_guard<std::mutex> turns(mu_);
      retired.swap(retiredSlots_);
    }
    for (int index : retired) slots_[static_cast<std::size_t>(index)].load()->thread.join();
    if (!retired.empty()) {
      std::lock_guard<std::mutex> turns(mu_);
      freeSlots_.insert(freeSlots_.end(), retired.begin(), retired.end());
    }
    retired.clear();
    if (busy) {
      period = limits_.tick;
      quiet = 0;
    } else if (++quiet > kQuietTicks && period < kMaxPeriod) {
      period = std::min<std::chrono::nanoseconds>(period * 2, kMaxPeriod);
    }
    // Item deadlines are program-clock ticks, which are real-clock ticks
    // unless the virtual clock is on (and then monitorTick left them out).
    RealClock::time_point wake = now + std::chrono::duration_cast<RealClock::duration>(period);
    if (nextDeadline < wake.time_since_epoch().count())
      wake = RealClock::time_point(RealClock::duration(nextDeadline));
    lock.lock();
    if (monStop_) break;
    monWakeAt_.store(wake.time_since_epoch().count());
    // A deadline published since the tick read the slots (see noteDeadline).
    const int n = slotCount_.load(std::memory_order_acquire);
    for (int j = 0; j < n; ++j) {
      const Clock::rep due =
          slots_[static_cast<std::size_t>(j)].load(std::memory_order_acquire)->deadline.load();
      if (!virtualClockOn() && due < wake.time_since_epoch().count())
        wake = RealClock::time_point(RealClock::duration(due));
    }
    monCv_.wait_until(lock, wake);
  }
}

}  // namespace flow::detail
