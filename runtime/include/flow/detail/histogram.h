// flow/detail/histogram.h — a lock-free latency histogram with bounded
// relative error (HdrHistogram's layout): values below 128 ns have a
// bucket each; above, every power of two is split into 128 equal
// sub-buckets, so a bucket spans at most 1/128 of its lower bound and a
// value read back (the bucket's midpoint) is within 0.4% of a sample in
// that bucket, from 1 ns to 2^46 ns (about 19.5 hours; longer samples are
// counted in the top bucket). Recording is two relaxed atomic additions;
// memory is fixed (5,120 counters, 40 KB). Keeps no samples, so a
// percentile is the bucket of the sample of that rank, not the sample.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

namespace flow::detail {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int kSub = 1 << kSubBits;  // sub-buckets per power of two
  static constexpr int kTopExponent = 46;     // values >= 2^46 ns share the top bucket
  static constexpr int kBuckets = (kTopExponent - kSubBits + 1) * kSub;

  /// Thread-safe. Never blocks. Never allocates.
  void record(std::int64_t nanos) noexcept;
  /// The nearest-rank `q` quantile (0 < q <= 1) in nanoseconds: the
  /// midpoint of the bucket holding the ceil(q × count)-th smallest sample
  /// (0 when empty). Thread-safe; concurrent records may or may not count.
  [[nodiscard]] std::int64_t quantile(double q) const noexcept;
  /// Samples recorded.
  [[nodiscard]] std::uint64_t count() const noexcept;
  /// The sum of every sample, in nanoseconds (exact; for the mean).
  [[nodiscard]] std::uint64_t sumNanos() const noexcept { return sum_.load(std::memory_order_relaxed); }
  /// For each of `bounds` (ascending, nanoseconds), the number of samples
  /// whose bucket midpoint is at most that bound — Prometheus's cumulative
  /// `le` buckets, exact to the bucket width. `out.size() == bounds.size()`.
  void countAtOrBelow(std::span<const std::int64_t> bounds, std::span<std::uint64_t> out) const noexcept;

  /// The bucket a value falls in, and the value that bucket reads back as.
  [[nodiscard]] static int bucketOf(std::uint64_t v) noexcept;
  [[nodiscard]] static std::int64_t lowerBoundOf(int bucket) noexcept;
  [[nodiscard]] static std::int64_t midpointOf(int bucket) noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
  std::atomic<std::uint64_t> sum_{0};
};

}  // namespace flow::detail
