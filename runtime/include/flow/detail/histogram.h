// flow/detail/histogram.h — a lock-free latency histogram for p50/p99.
// Log-linear buckets: for each power of two, 16 linear sub-buckets, so a
// reported percentile is within ~6% of the true value. Recording is one
// relaxed atomic increment; memory is fixed (64 × 16 counters). Does not
// keep samples, so it cannot give exact percentiles or a minimum.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace flow::detail {

class LatencyHistogram {
 public:
  /// Thread-safe. Never blocks. Never allocates.
  void record(std::int64_t nanos) noexcept;
  /// The value below which `q` (0..1) of the samples fall, in nanoseconds
  /// (0 when empty). Thread-safe; concurrent records may or may not count.
  [[nodiscard]] std::int64_t quantile(double q) const noexcept;
  [[nodiscard]] std::uint64_t count() const noexcept;

 private:
  static constexpr int kSub = 16;
  static constexpr int kBuckets = 64 * kSub;
  static int bucketOf(std::uint64_t v) noexcept;
  static std::int64_t upperBoundOf(int bucket) noexcept;
  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
};

}  // namespace flow::detail
