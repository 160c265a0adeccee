// flow/channel_base.h — the channel itself, whatever its element type:
// name, capacity, overflow policy, the buffer, every send/receive path,
// close/cancel, the writer count that closes it, and lock-free metrics.
// Elements are moved through a small table of operations (ElemOps: size,
// move-assign, new[]/delete[]), as Go's hchan moves them by elemsize, so the
// algorithms below are compiled once, in the runtime library
// (runtime/src/channel.cpp, channel_ring.cpp), instead of once per element type in every
// generated program. Channel<T> (channel.h) is the thin typed face.
//
// Close and cancel contract:
//   - close(): no further send succeeds (Closed); values buffered before the
//     close are still received; once drained, receive returns Closed. Every
//     blocked receiver wakes with Closed, every blocked sender with Closed.
//     Idempotent. In a pipeline only the runtime closes a channel, when the
//     last of its writers (counted per writing worker) releases it.
//   - cancel(): every blocked operation wakes with Cancelled and every later
//     one returns Cancelled at once, buffered values included. Idempotent.
// Shutdown recipe: release writers (close) for a clean end; cancel() every
// channel and TimerQueue::cancelAll() to stop a run; then wait for workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "flow/detail/waiter.h"

namespace flow {

enum class Overflow : std::uint8_t { Block, DropNewest, DropOldest };

/// How a channel stores and hands over values (channel.h). Auto picks by
/// capacity and overflow (ChannelBase::kLockedUpTo); Ring asks for ring
/// mode at any capacity > 0 with overflow block or drop_newest (tests use
/// it to exercise the ring at its smallest sizes).
enum class ChannelMode : std::uint8_t { Auto, Ring };

enum class SendStatus : std::uint8_t {
  Ok,         // delivered or buffered
  Dropped,    // overflow drop_newest discarded it (counted)
  Full,       // try variant only: would have blocked
  Closed,     // the channel is closed
  Timeout,    // the deadline passed first
  Cancelled,  // the run was cancelled
};

enum class RecvStatus : std::uint8_t {
  Ok,         // a value was received
  Empty,      // try variant only: would have blocked
  Closed,     // closed and drained
  Timeout,    // the deadline passed first
  Cancelled,  // the run was cancelled
};

/// A consistent-enough snapshot (each counter is read atomically; the set is
/// not read under one lock).
struct ChannelStats {
  std::string name;
  std::int64_t capacity = 0;
  std::uint64_t sent = 0;       // accepted into the channel
  std::uint64_t received = 0;   // taken out by receivers
  std::uint64_t dropped = 0;    // discarded by drop_newest / drop_oldest
  std::int64_t maxLen = 0;      // highest number buffered at once
  std::int64_t len = 0;         // buffered now
  std::uint64_t fullSends = 0;  // sends that found it full (at capacity 0: no receiver waiting) and
                                // waited, or that took its last free slot
  std::int64_t blockedNs = 0;   // estimated time senders spent waiting for room, summed over senders
};

class ChannelBase;

namespace detail {

/// Called on the sending thread for every value a drop policy discards,
/// once some run records a trace (TraceRecorder::noteDrop); null until
/// then. Set once, never reset: drops are off the fast path.
using DropObserver = void (*)(const ChannelBase&) noexcept;
inline std::atomic<DropObserver> gDropObserver{nullptr};

/// How a channel moves its element type. Every element type is default
/// constructible and nothrow move-assignable (Flow's values all are), so
/// buffer slots are live objects and a transfer is a move-assignment.
struct ElemOps {
  std::size_t size;
  bool trivial;                                    // trivially copyable: a transfer is a memcpy
  void (*assign)(void* dst, void* src) noexcept;   // *dst = std::move(*src)
  void (*emplace)(void* opt, void* src) noexcept;  // std::optional<T>* opt ->emplace(std::move(*src))
  void* (*newArray)(std::size_t n);                // new T[n]
  void (*deleteArray)(void* array) noexcept;       // delete[]
};

template <class T>
struct ElemOpsFor {
  static void assign(void* dst, void* src) noexcept {
    *static_cast<T*>(dst) = std::move(*static_cast<T*>(src));
  }
  static void emplace(void* opt, void* src) noexcept {
    static_cast<std::optional<T>*>(opt)->emplace(std::move(*static_cast<T*>(src)));
  }
  static void* newArray(std::size_t n) { return new T[n]; }
  static void deleteArray(void* array) noexcept { delete[] static_cast<T*>(array); }
  static constexpr ElemOps kOps{sizeof(T),   std::is_trivially_copyable_v<T>, &assign, &emplace, &newArray,
                                &deleteArray};
};

/// A blocked sender: `value` (a T owned by the sender) is moved from by
/// the receiver that claims the waiter.
struct SendNode : WaitNode {
  void* value = nullptr;
  bool counted = false;  // this value's wait was already counted (ChannelBase::noteWaitedSends)
  // Written by ChannelBase::noteSenderQueued before the node is queued and
  // read only after that (left uninitialised: a send that never waits,
  // the common case, does not pay for them).
  std::int64_t queuedAt;  // when the channel times this wait: Clock ticks at queueing, else 0
};
/// A blocked (or trying) receiver: the claimer emplaces the value into
/// `slot`, a std::optional<T>.
struct RecvNode : WaitNode {
  void* slot = nullptr;
  std::atomic<std::uint64_t>* ticketCounter = nullptr;  // optional sequence source
  std::uint64_t ticket = 0;                             // drawn at delivery, under the lock
};
/// Outcome of a core routine.
enum class Core : std::uint8_t {
  Done,    // finished; the status is set
  Queued,  // the node was queued; wait for its waiter to be finished
  Lost,    // (select) our waiter was already claimed elsewhere; wait for it
  Retry,   // we claimed our own waiter but only stale senders were queued;
           // nobody will finish it: start over with a fresh waiter
};
SendStatus toSendStatus(Wake w) noexcept;
RecvStatus toRecvStatus(Wake w) noexcept;

}  // namespace detail

class ChannelBase {
 public:
  ChannelBase(std::string name, std::int64_t capacity, Overflow overflow, const std::type_info& type,
              const detail::ElemOps& ops, ChannelMode mode = ChannelMode::Auto);
  virtual ~ChannelBase();
  ChannelBase(const ChannelBase&) = delete;
  ChannelBase& operator=(const ChannelBase&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::int64_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] Overflow overflow() const noexcept { return overflow_; }
  [[nodiscard]] const std::type_info& elementType() const noexcept { return type_; }
  /// A channel of at most this capacity runs in locked mode (Go's hchan: one
  /// lock, values handed straight to a waiting party, which resumes on the
  /// waker's core). A small ring is full or empty every few operations, and
  /// each such edge costs the ring a park, a settle under mu_ and a wake on the
  /// other core, so streams over small channels run faster locked; work-heavy
  /// pools keep the ring's advantage (a value pushed without mu_) from about
  /// this size up. The measurements behind the line are in bench/RESULTS.md
  /// ("Figures behind the runtime's constants").
  static constexpr std::int64_t kLockedUpTo = 32;
  /// True in ring mode: capacity > kLockedUpTo (or > 0 with
  /// ChannelMode::Ring) and overflow block or drop_newest. Then a send that
  /// finds room and a receive that finds a value take only their end's spin
  /// lock, not mu_. False in locked mode: rendezvous, capacity up to
  /// kLockedUpTo, and drop_oldest at any capacity; every operation there
  /// runs under mu_ (see channel.h). A capacity-16 channel buffers values
  /// and still answers false.
  [[nodiscard]] bool isRingMode() const noexcept { return ringMode_; }

  /// Lock-free. Thread-safe. Never blocks.
  [[nodiscard]] std::int64_t len() const noexcept {
    if (!ringMode_) return len_.load(std::memory_order_relaxed);
    return ringLen();
  }
  [[nodiscard]] ChannelStats stats() const;

  /// See the contract above. Thread-safe. Never blocks for long.
  void close() noexcept;
  void cancel() noexcept;
  [[nodiscard]] bool isClosed() const noexcept { return closed_.load(std::memory_order_acquire); }

  /// Writer accounting: the channel closes when the count drops to zero.
  void addWriters(std::int64_t n) noexcept { writers_.fetch_add(n, std::memory_order_relaxed); }
  void releaseWriter() noexcept {
    if (writers_.fetch_sub(1, std::memory_order_acq_rel) == 1) close();
  }
  [[nodiscard]] std::int64_t writers() const noexcept { return writers_.load(std::memory_order_acquire); }

  /// `n` values found the channel full and wait outside it (a worker's
  /// outbox, a deferred send); their later send is made with a node marked
  /// `counted`. Thread-safe. Off the fast path: only sends that wait count.
  void noteWaitedSends(std::uint64_t n) noexcept { waitedElsewhere_.fetch_add(n, std::memory_order_relaxed); }

  // ---- core routines (element type erased; Channel<T> and the awaiters
  // pass pointers to live T objects) ---------------------------------------
  /// Tries to send `*v`; if it would block and `node` is non-null, queues
  /// `node` (whose waiter must be prepared) and returns Core::Queued. Leaves
  /// `*v` intact unless it was accepted.
  detail::Core sendCore(void* v, detail::SendNode* node, SendStatus& st);
  /// Tries to receive into `me.slot`. With `mayWait`, `me.waiter` is set and
  /// may already be queued on other channels: it is claimed before a value
  /// is taken (Core::Lost if someone else claimed it first), and `me` is
  /// queued if nothing is available.
  detail::Core recvCore(detail::RecvNode& me, bool mayWait, RecvStatus& st);
  /// Takes up to `max` (<= 64) values without waiting, move-assigning them
  /// to out[0..n) (an array of at least `max` T), and draws consecutive
  /// sequence numbers from `tickets` (the first in `firstTicket`). Returns
  /// n; 0 when empty, closed or cancelled. Never blocks or allocates.
  std::size_t tryRecvBatch(void* out, std::size_t max, std::atomic<std::uint64_t>* tickets,
                           std::uint64_t& firstTicket);
  /// True if trySendBatch() applies: ring mode with overflow Block (a
  /// drop policy decides per value; locked mode has no ring to batch into).
  [[nodiscard]] bool isBatchable() const noexcept { return ringMode_ && overflow_ == Overflow::Block; }
  /// Batchable channels only. Pushes `values[0, n)` (an array of T) in
  /// order while there is room, under one producer-lock acquisition and
  /// with one tail publish (one seq_cst store) for the lot, moving from the
  /// values it pushes. Returns how many it pushed: a prefix, fewer than `n`
  /// when the ring fills or senders are already queued (they go first, as
  /// with send). `st` is Ok (whatever the count), Closed or Cancelled
  /// (nothing pushed). Thread-safe. Never blocks. Allocates only if the
  /// ring grows.
  std::size_t trySendBatch(void* values, std::size_t n, SendStatus& st);
  /// Ring mode: true if a receiver is parked here (a hint, read without
  /// a lock: a batching sender pushes at once rather than keep it idle).
  [[nodiscard]] bool hasParkedReceiver() const noexcept {
    return recvWaiting_.load(std::memory_order_relaxed);
  }
  /// How this channel moves its elements (for buffers of them elsewhere,
  /// e.g. a worker's outbox).
  [[nodiscard]] const detail::ElemOps& elemOps() const noexcept { return ops_; }
  /// A test's recorder of what arrives (flowc test, flow/testing.h): called
  /// with each value as a receiver takes it, in channel order, under the
  /// channel's lock (so it must be short and must not touch the channel).
  using Tap = void (*)(void* user, const void* value) noexcept;
  /// Before the run starts; null removes it. Not thread-safe.
  void setTap(Tap tap, void* user) noexcept {
    tap_ = tap;
    tapUser_ = user;
  }
  /// Plain-thread waits (host programs, tests): park on a condition
  /// variable. `slot` is a std::optional<T>.
  SendStatus sendUntil(void* v, Deadline deadline);
  RecvStatus recvUntil(void* slot, Deadline deadline);
  /// Removes a node that may still be queued (after a timeout or cancel).
  void unlinkSender(detail::WaitNode& n) noexcept;
  void unlinkReceiver(detail::WaitNode& n) noexcept;

 protected:
  /// Pops every node of `q`, claims its waiter, and returns the claimed
  /// waiters; the caller finishes them after dropping mu_. Requires mu_.
  static void claimAll(detail::WaitQueue& q, std::vector<detail::Waiter*>& out);

  /// Locked mode, under mu_ (the only writers): a load and a store, no
  /// locked read-modify-write.
  void noteSent() noexcept {
    sent_.store(sent_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void noteReceived() noexcept {
    received_.store(received_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void noteDropped() noexcept {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    if (detail::DropObserver observe = detail::gDropObserver.load(std::memory_order_relaxed)) observe(*this);
  }
  /// Requires mu_: `node` is about to be queued. Counts the wait (if
  /// `count`; a node marked `counted` is counted apart, to be taken off)
  /// and marks it for timing: the first kWaitSampleEvery waits, then one
  /// in kWaitSampleEvery — one clock read per that many waits. The common case is a load, a store and two
  /// tests.
  void noteSenderQueued(detail::SendNode& node, bool count = true) noexcept {
    const std::uint64_t q = sendersQueued_.load(std::memory_order_relaxed) + 1;
    sendersQueued_.store(q, std::memory_order_relaxed);
    if (!count || node.counted) [[unlikely]]
      queuedUncounted_.store(queuedUncounted_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    node.queuedAt = 0;
    if (q % kWaitSampleEvery == 0 || q <= kWaitSampleEvery) [[unlikely]]
      node.queuedAt = Clock::now().time_since_epoch().count();
  }
  static constexpr std::uint64_t kWaitSampleEvery = 64;
  /// Requires mu_ (locked mode): a send took the last free slot.
  void noteFilledLocked() noexcept {
    filledLocked_.store(filledLocked_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  /// Requires prod_.lock (buffered mode): `n` pushes took the last free slot.
  void noteFilledRing(std::uint64_t n) noexcept {
    prod_.filled.store(prod_.filled.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

 public:
  /// The sender that queued `node` is awake again: if its wait was
  /// sampled, records how long it lasted. Call from the sender, after it
  /// resumed (the node is its own again).
  void noteWaitEnded(const detail::SendNode& node) noexcept {
    if (node.queuedAt == 0) return;
    const std::int64_t waited = Clock::now().time_since_epoch().count() - node.queuedAt;
    waitSamples_.fetch_add(1, std::memory_order_relaxed);
    waitSampleNs_.fetch_add(static_cast<std::uint64_t>(waited < 0 ? 0 : waited), std::memory_order_relaxed);
  }

 protected:
  void noteLen(std::size_t n) noexcept {
    const auto len = static_cast<std::int64_t>(n);
    len_.store(len, std::memory_order_relaxed);
    if (len > maxLen_.load(std::memory_order_relaxed)) maxLen_.store(len, std::memory_order_relaxed);
  }
  /// Ring mode: tail - head, clamped to [0, capacity] (the two indices
  /// are read one after the other, not as a pair).
  [[nodiscard]] std::int64_t ringLen() const noexcept {
    const std::uint64_t h = cons_.head.load(std::memory_order_acquire);
    const std::uint64_t t = prod_.tail.load(std::memory_order_acquire);
    const auto n = static_cast<std::int64_t>(t - h);  // t read after h: t >= h
    return n < 0 ? 0 : (n > capacity_ ? capacity_ : n);
  }

  // ---- locked mode: capacity <= kLockedUpTo, or drop_oldest -------------
  // The buffer is a ring of lcap_ slots (0 or a power of two, grown by
  // doubling up to capacity_), guarded by mu_.
  // Invariants (whenever mu_ is not held):
  //   - buffered count <= capacity_
  //   - closed_ and cancelled_ never go back to false
  //   - a waiting receiver is queued only while the buffer is empty and no
  //     unclaimed sender waits; a waiting sender only while the buffer is
  //     full (or capacity is 0) and no unclaimed receiver waits. Claimed
  //     (stale) nodes may linger until their owner unlinks them.
  // ---- ring mode ---------------------------------------------------------
  // The ring is a single-producer single-consumer ring whose two ends are
  // each serialized by their own SpinLock (prod_.lock, cons_.lock): it is
  // not lock-free, but any number of senders and receivers may use it while
  // a lone sender and a lone receiver (the common pipeline edge) each keep
  // their end's lock and cache line to themselves. head/tail count pops/pushes since
  // creation (so tail - head is the length and they double as the sent /
  // received metrics). Waiting is done under mu_ as in locked mode, with
  // recvWaiting_/sendWaiting_ telling the fast paths that mu_ is needed.
  // Invariants (whenever mu_ is not held):
  //   - 0 <= tail - head <= capacity_
  //   - recvWaiting_ == !recvq_.empty() and sendWaiting_ == !sendq_.empty()
  //   - no unclaimed receiver is queued while the ring holds a value, and no
  //     unclaimed sender while it has room ("settled"), except transiently
  //     between a fast-path push/pop and that party's settle (below).
  // Wake-up protocol (no lost wake-up), Dekker style:
  //   - a waiter queues its node, stores the flag (seq_cst), then re-checks
  //     the ring, loading tail (head) seq_cst (settle, under mu_);
  //   - a fast-path push (pop) stores tail (head) seq_cst, drops its end
  //     lock, then loads recvWaiting_ (sendWaiting_) seq_cst and, if set,
  //     settles under mu_.
  //   All four are in the single seq_cst order, so either the waiter sees
  //   the new value/room or the other party sees the flag. (seq_cst
  //   operations rather than two fences: the same cost on x86 — an xchg per
  //   push/pop instead of an mfence — and ThreadSanitizer understands them.)
  //   The seq_cst stores/loads also give the release/acquire that publishes
  //   a slot's value (tail) and hands a slot back (head).
  // Lock order: mu_, then prod_.lock, then cons_.lock. The fast paths take one
  // end lock and never mu_ while holding it. A spin lock, not a std::mutex:
  // every critical section is a few dozen instructions that never block
  // (waiters are finished after it is dropped), and a rendezvous round trip
  // takes the lock four times, so a pthread mutex pair would be a large share
  // of it.
  mutable detail::SpinLock mu_;           // Guards sendq_, recvq_, the locked-mode
                                          // buffer and the transitions of closed_/
                                          // cancelled_ (read without a lock by the ring
                                          // fast paths). Never call user code or
                                          // resume a coroutine while held.
  detail::WaitQueue sendq_;               // blocked senders (SendNode)
  detail::WaitQueue recvq_;               // blocked receivers (RecvNode)
  std::atomic<bool> closed_{false};       // ring mode: stored under mu_ and prod_.lock
  std::atomic<bool> cancelled_{false};    // stored under mu_
  std::atomic<bool> recvWaiting_{false};  // ring mode: == !recvq_.empty(), stored under mu_
  std::atomic<bool> sendWaiting_{false};  // ring mode: == !sendq_.empty(), stored under mu_

  /// The producer end: its lock and the push counter, on their own line.
  struct alignas(64) ProducerEnd {
    detail::SpinLock lock;
    std::atomic<std::uint64_t> tail{0};    // pushes so far; stored under lock (seq_cst)
    std::uint64_t cachedHead = 0;          // a past value of cons_.head; guarded by lock
    std::atomic<std::uint64_t> filled{0};  // pushes that took the last free slot; stored under lock
  };
  /// The consumer end, likewise.
  struct alignas(64) ConsumerEnd {
    detail::SpinLock lock;
    std::atomic<std::uint64_t> head{0};  // pops so far; stored under lock (seq_cst)
    std::uint64_t cachedTail = 0;        // a past value of prod_.tail; guarded by lock
  };
  ProducerEnd prod_;
  ConsumerEnd cons_;

  /// Ring mode: records the fill after a push of index `tail - 1`;
  /// requires prod_.lock. Re-reads head only when the cached one suggests a
  /// new high-water mark, so maxLen is exact and costs nothing once reached.
  void noteFill(std::uint64_t tail) noexcept {
    auto len = static_cast<std::int64_t>(tail - prod_.cachedHead);
    if (len <= maxLen_.load(std::memory_order_relaxed)) return;
    prod_.cachedHead = cons_.head.load(std::memory_order_acquire);
    len = static_cast<std::int64_t>(tail - prod_.cachedHead);
    if (len > maxLen_.load(std::memory_order_relaxed)) maxLen_.store(len, std::memory_order_relaxed);
  }

 private:
  static constexpr std::uint64_t kInitialSlots = 16;

  /// Waiters claimed under mu_, finished after it is dropped.
  struct Woken;

  void* at(void* array, std::uint64_t i) const noexcept { return static_cast<char*>(array) + i * ops_.size; }
  /// *dst = std::move(*src), inline for the common small trivial types.
  void moveElem(void* dst, void* src) const noexcept {
    if (ops_.trivial && ops_.size == 8)
      std::memcpy(dst, src, 8);
    else
      ops_.assign(dst, src);
  }
  /// Hands `*src` to a receiver node (requires the lock that orders tickets).
  void deliver(detail::RecvNode& n, void* src) const noexcept {
    if (tap_ != nullptr) [[unlikely]]
      tap_(tapUser_, src);
    ops_.emplace(n.slot, src);
    if (n.ticketCounter != nullptr) n.ticket = n.ticketCounter->fetch_add(1, std::memory_order_relaxed);
  }

  // ---- ring mode (see the protocol above; channel_ring.cpp) --------------
  // Naming: a `ring` prefix is a ring-mode helper that requires one of the
  // end locks (said on each); the `locked` prefix (lockedPushBack, ...,
  // kLockedUpTo) is locked mode; a `Locked` suffix (settleLocked) means the
  // caller holds mu_.
  detail::Core sendRing(void* v, detail::SendNode* node, SendStatus& st);
  detail::Core recvRing(detail::RecvNode& me, bool mayWait, RecvStatus& st);
  std::size_t recvBatchRing(void* out, std::size_t max, std::atomic<std::uint64_t>* tickets,
                            std::uint64_t& firstTicket);
  void closeRing() noexcept;
  /// Requires prod_.lock. True if a push would succeed.
  bool ringHasRoom() noexcept;
  /// Requires prod_.lock. Pushes `*v` if there is room; else leaves it intact.
  bool ringPush(void* v) noexcept;
  /// ringPush's slow path, out of line so the fast one stays small:
  /// refreshes the cached head, grows the ring if it must, counts a push
  /// that takes the last free slot, pushes; false when full.
  [[gnu::noinline]] bool ringPushSlow(void* v, std::uint64_t t) noexcept;
  /// Requires prod_.lock and room: moves `*v` into slot `t` and publishes it.
  void ringPushAt(void* v, std::uint64_t t) noexcept {
    moveElem(at(slots_, t & mask_), v);
    prod_.tail.store(t + 1, std::memory_order_seq_cst);  // publishes the slot; see the protocol above
    noteFill(t + 1);
  }
  /// Requires prod_.lock. Pushes as many of `values[0, n)` as fit (a
  /// prefix) with one tail store; returns how many.
  std::size_t ringPushBatch(void* values, std::size_t n);
  /// Requires prod_.lock; takes cons_.lock. Doubles the ring (still below
  /// capacity).
  void ringGrow();
  /// Requires cons_.lock.
  bool ringHasValue() noexcept;
  /// Requires cons_.lock and ringHasValue(): the value at the head; the
  /// caller moves it out, then calls ringPop() to hand the slot back.
  void* ringHead() const noexcept { return at(slots_, cons_.head.load(std::memory_order_relaxed) & mask_); }
  void ringPop() noexcept {
    cons_.head.store(cons_.head.load(std::memory_order_relaxed) + 1,
                     std::memory_order_seq_cst);  // hands the slot back; see above
  }
  void afterPush() noexcept {
    if (recvWaiting_.load(std::memory_order_seq_cst)) settle();  // after the seq_cst tail store
  }
  void afterPop() noexcept {
    if (sendWaiting_.load(std::memory_order_seq_cst)) settle();  // after the seq_cst head store
  }
  /// Takes mu_ and settles (below), finishing what it claimed.
  void settle() noexcept;
  /// Requires mu_. Moves queued senders' values into the ring while it has
  /// room, hands ring values to queued receivers while it has values, and,
  /// once closed and drained, claims the remaining receivers with Closed;
  /// updates the waiting flags. A node equal to `self` is not added to `w`
  /// (its owner is the caller): `selfDone` is set instead. Returns true if
  /// it stopped because `w` is full (call again after finishing `w`).
  bool settleLocked(Woken& w, detail::WaitNode* self, bool& selfDone) noexcept;

  // ---- locked mode buffer (requires mu_) ----------------------------------
  void lockedPushBack(void* v);
  void* lockedFront() const noexcept { return at(lbuf_, lhead_); }
  void lockedDropFront() noexcept {
    lhead_ = (lhead_ + 1) & (lcap_ - 1);
    --lsize_;
  }

  const std::string name_;
  const std::int64_t capacity_;
  const Overflow overflow_;
  const std::type_info& type_;
  const bool ringMode_;
  const detail::ElemOps& ops_;
  void* slots_ = nullptr;   // ring mode: the ring (T[mask_ + 1]); read under either end
                            // lock, replaced only while holding both
  std::uint64_t mask_ = 0;  // slots - 1 (a power of two); as slots_
  Tap tap_ = nullptr;       // set before the run (setTap); tests only
  void* tapUser_ = nullptr;
  void* lbuf_ = nullptr;  // locked mode: T[lcap_]
  std::uint64_t lcap_ = 0;
  std::uint64_t lhead_ = 0;
  std::uint64_t lsize_ = 0;
  std::atomic<std::int64_t> writers_{0};
  // Metrics, read without a lock. Locked mode: written under mu_. Ring
  // mode: sent/received are tail/head, maxLen_ is written under prod_.lock,
  // dropped_ by drop_newest senders (fetch_add), len_ unused.
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::int64_t> len_{0};
  std::atomic<std::int64_t> maxLen_{0};
  // Sends into a full channel (the advice's "full on most sends": those
  // that waited, and those that took the last free slot, counted apart
  // so each is written by one party), and the writers' blocked time. Queued: written under mu_ where a sender
  // queues; elsewhere: values counted where they wait outside the channel; the timed waits by the woken
  // senders themselves.
  std::atomic<std::uint64_t> sendersQueued_{0};    // under mu_: every sender that queued
  std::atomic<std::uint64_t> queuedUncounted_{0};  // under mu_: of those, the ones not to count
  std::atomic<std::uint64_t> waitedElsewhere_{0};
  std::atomic<std::uint64_t> filledLocked_{0};  // locked mode: sends that took the last free slot (under mu_)
  std::atomic<std::uint64_t> waitSamples_{0};   // waits timed so far
  std::atomic<std::uint64_t> waitSampleNs_{0};  // their total
};

}  // namespace flow
