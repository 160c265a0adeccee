// stage.cpp — the type-independent half of a stage: metrics, failure
// logging (first 10 per stage), writer release, and `ordered` emission
// through the reorder buffer. The typed worker loop is in
// flow/detail/stage_runner.h.
#include "flow/stage.h"

#include "flow/detail/run_shared.h"
#include "flow/detail/stage_runner.h"
#include "flow/format.h"

namespace flow::detail {

namespace {
constexpr int kLoggedFailures = 10;
}  // namespace

ReorderBuffer::ReorderBuffer(std::size_t window) : ring_(window) {}

bool ReorderBuffer::complete(std::uint64_t seq, Held held) {
  std::lock_guard<std::mutex> lock(mu_);
  // Invariant (token window): next_ <= seq < next_ + ring_.size().
  ring_[seq % ring_.size()].emplace(std::move(held));
  if (flushing_ || !ring_[next_ % ring_.size()].has_value()) return false;
  flushing_ = true;
  return true;
}

bool ReorderBuffer::takeNext(Held& out) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Held>& slot = ring_[next_ % ring_.size()];
  if (!slot.has_value()) {
    flushing_ = false;
    return false;
  }
  out = std::move(*slot);
  slot.reset();
  ++next_;
  return true;
}

StageCore::StageCore(std::string name, StageKind kind, StageOptions opts)
    : name_(std::move(name)), kind_(kind), opts_(opts) {}

std::vector<ChannelBase*> StageCore::writtenChannels() const {
  std::vector<ChannelBase*> out = outputs_;
  if (opts_.onError == OnError::Route && opts_.routeTo != nullptr) out.push_back(opts_.routeTo);
  return out;
}

std::vector<ChannelBase*> StageCore::prepare() {
  for (ChannelBase* ch : writtenChannels()) ch->addWriters(opts_.workers);
  if (!opts_.ordered || kind_ == StageKind::Source) return {};
  const auto window = static_cast<std::size_t>(std::max<std::int64_t>(16, 4 * opts_.workers));
  reorder_ = std::make_unique<ReorderBuffer>(window);
  tokens_ = std::make_unique<Channel<char>>(name_ + "/ordered", static_cast<std::int64_t>(window));
  for (std::size_t i = 0; i < window; ++i) (void)tokens_->trySend('t');
  return {tokens_.get()};
}

void StageCore::releaseWriters() noexcept {
  for (ChannelBase* ch : writtenChannels()) ch->releaseWriter();
}

void StageCore::noteCompleted(std::chrono::nanoseconds latency) noexcept {
  completed_.fetch_add(1, std::memory_order_relaxed);
  if (latency.count() >= 0) latency_.record(latency.count());  // negative: not sampled
}

void StageCore::noteFailure(RunShared&, std::uint64_t seq, const std::string& message, bool timedOut) {
  failed_.fetch_add(1, std::memory_order_relaxed);
  if (timedOut) timedOut_.fetch_add(1, std::memory_order_relaxed);
  if (logged_.fetch_add(1, std::memory_order_relaxed) < kLoggedFailures) {
    eprint(concat("error: stage ", name_, ": item ", seq, ": ", message));
  }
}

void StageCore::logError(const std::string& message) const {
  eprint(concat("error: stage ", name_, ": ", message));
}

std::string StageCore::timeoutMessage() const { return concat("timed out after ", opts_.timeout); }

StageStats StageCore::stats() const {
  StageStats s;
  s.name = name_;
  s.kind = kind_;
  s.workers = opts_.workers;
  s.in = in_.load(std::memory_order_relaxed);
  s.out = out_.load(std::memory_order_relaxed);
  s.completed = completed_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.retried = retried_.load(std::memory_order_relaxed);
  s.timedOut = timedOut_.load(std::memory_order_relaxed);
  s.inFlight = inFlight_.load(std::memory_order_relaxed);
  s.p50ns = latency_.quantile(0.50);
  s.p99ns = latency_.quantile(0.99);
  return s;
}

Task sleepBackoff(Context& ctx, std::chrono::nanoseconds d, bool& cancelled) {
  if (d.count() <= 0) co_return;
  try {
    co_await ctx.sleep(d);
  } catch (const RunCancelled&) {
    cancelled = true;
  }
}

Task completeOrdered(Context& ctx, StageCore& stage, std::uint64_t seq, ReorderBuffer::Held held,
                     bool& cancelled) {
  ReorderBuffer& buffer = *stage.reorder();
  if (!buffer.complete(seq, std::move(held))) co_return;
  ReorderBuffer::Held batch;
  while (buffer.takeNext(batch)) {
    try {
      for (auto& send : batch) co_await send->flush(ctx);
    } catch (const RunCancelled&) {
      cancelled = true;
      co_return;  // the run is ending; nobody flushes after us
    } catch (const std::exception& e) {
      stage.logError(std::string("ordered emit: ") + e.what());
    }
    batch.clear();
    (void)stage.tokens()->trySend('t');  // the window moves on by one item
  }
}

}  // namespace flow::detail
