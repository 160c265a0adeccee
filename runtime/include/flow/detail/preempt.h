// flow/detail/preempt.h — the preemption point: the cheap check the
// compiler puts at every loop back-edge (once per chunk of iterations for a
// cheap loop body), and the runtime's worker loop before every item. It reads one word of the running
// scheduler thread (a relaxed load and a branch); the scheduler's monitor
// sets the word when the thread should look up: the thread has run one
// coroutine for a tick (is it computing, or blocked in a call?), the item's
// deadline has passed, the run is being cancelled, or the thread was found
// blocked and has to win a turn back before it runs on. The slow path
// (detail::preempted(), out of line) does the looking. Outside scheduler
// threads the word is one that nobody ever sets.
#pragma once

#include <atomic>
#include <cstdint>

namespace flow {
namespace detail {

/// Bits of a scheduler thread's check-in word.
inline constexpr std::uint32_t kCheckIn = 1;  // please call preempted()
inline constexpr std::uint32_t kBlocked = 2;  // the monitor gave this thread's turn away
inline constexpr std::uint32_t kYield = 4;    // a thread waits for a turn: pass yours on

/// Never set: what tPreempt points at on threads that are not a scheduler's.
inline constinit std::atomic<std::uint32_t> gNeverPreempted{0};
/// The calling thread's check-in word (Scheduler::Slot::preempt on a
/// scheduler thread).
inline constinit thread_local std::atomic<std::uint32_t>* tPreempt = &gNeverPreempted;

/// The slow path of poll(): reports the check-in to the scheduler (which may
/// make the thread wait for a turn), then throws RunCancelled if the run is
/// being cancelled (not in `finally`) or ItemTimedOut if the current item's
/// deadline has passed.
[[gnu::cold]] void preempted();

}  // namespace detail

/// A preemption point (see the top of this file). Throws what
/// detail::preempted() throws.
inline void poll() {
  if (detail::tPreempt->load(std::memory_order_relaxed) != 0) [[unlikely]]
    detail::preempted();
}

/// Iterations of a strip-mined loop (a cheap body) between two preemption
/// points: a cheap iteration is a few ns, so a chunk is at most a few µs,
/// and the point costs nothing per iteration.
inline constexpr std::uint64_t kPollEvery = 1024;

/// The end of the chunk that starts at `i` of a range loop ending at `end`
/// (i < end): at most kPollEvery iterations on (never overflows).
inline std::int64_t pollChunkEnd(std::int64_t i, std::int64_t end) noexcept {
  return static_cast<std::uint64_t>(end) - static_cast<std::uint64_t>(i) > kPollEvery
             ? i + static_cast<std::int64_t>(kPollEvery)
             : end;
}

}  // namespace flow
