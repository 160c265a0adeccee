// Tests of detail::LatencyHistogram: the bucket layout is continuous and
// monotonic, every value reads back within 1% at every magnitude from 1 µs
// to hours, percentiles are nearest-rank, and the cumulative counts the
// metrics expose agree with the samples.
#include <flow/detail/histogram.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

using flow::detail::LatencyHistogram;

namespace {
double relativeError(std::int64_t got, std::int64_t want) {
  return std::abs(static_cast<double>(got - want)) / static_cast<double>(want);
}
}  // namespace

TEST_CASE("every value lands in a bucket whose bounds hold it", "[histogram]") {
  // Walk values densely at the joins of the layout and sparsely elsewhere.
  for (std::uint64_t v = 0; v < (std::uint64_t{1} << 46); v = v < 4096 ? v + 1 : v + v / 97) {
    const int b = LatencyHistogram::bucketOf(v);
    REQUIRE(b >= 0);
    REQUIRE(b < LatencyHistogram::kBuckets);
    REQUIRE(LatencyHistogram::lowerBoundOf(b) <= static_cast<std::int64_t>(v));
    if (b + 1 < LatencyHistogram::kBuckets)
      REQUIRE(static_cast<std::int64_t>(v) < LatencyHistogram::lowerBoundOf(b + 1));
  }
  // Bounds strictly increase: no empty or overlapping bucket.
  for (int b = 1; b < LatencyHistogram::kBuckets; ++b)
    REQUIRE(LatencyHistogram::lowerBoundOf(b - 1) < LatencyHistogram::lowerBoundOf(b));
  // Values past the top share the last bucket.
  REQUIRE(LatencyHistogram::bucketOf(~std::uint64_t{0}) == LatencyHistogram::kBuckets - 1);
}

TEST_CASE("a value reads back within 1% from 1 microsecond to hours", "[histogram]") {
  // The old layout (16 sub-buckets) read 50.3 ms for anything in 49.3-50.3 ms.
  const std::int64_t value = GENERATE(1'000, 1'234, 9'999, 65'537, 1'000'000, 1'050'000, 26'214'400,
                                      50'332'000, 999'999'999, 60'000'000'000, 3'600'000'000'000);
  LatencyHistogram h;
  h.record(value);
  const std::int64_t got = h.quantile(0.5);
  CAPTURE(value, got);
  REQUIRE(relativeError(got, value) <= 0.01);
  // Tighter than promised: half a bucket is at most 1/256 of the value.
  REQUIRE(relativeError(got, value) <= 1.0 / 256 + 1e-9);
}

TEST_CASE("values below 128 ns are exact", "[histogram]") {
  for (std::int64_t v = 0; v < 128; ++v) {
    LatencyHistogram h;
    h.record(v);
    REQUIRE(h.quantile(1.0) == v);
  }
}

TEST_CASE("percentiles are nearest-rank over the samples", "[histogram]") {
  // 1..100 ms: p50 is the 50th smallest (50 ms), p99 the 99th (99 ms).
  LatencyHistogram h;
  for (std::int64_t ms = 100; ms >= 1; --ms) h.record(ms * 1'000'000);
  REQUIRE(h.count() == 100);
  REQUIRE(relativeError(h.quantile(0.50), 50'000'000) <= 0.004);
  REQUIRE(relativeError(h.quantile(0.99), 99'000'000) <= 0.004);
  REQUIRE(relativeError(h.quantile(1.00), 100'000'000) <= 0.004);
  REQUIRE(relativeError(h.quantile(0.01), 1'000'000) <= 0.004);
  // Two runs 5% apart in latency are told apart (the old layout could not).
  LatencyHistogram a, b;
  for (int i = 0; i < 100; ++i) {
    a.record(20'000'000);
    b.record(21'000'000);
  }
  REQUIRE(a.quantile(0.5) < b.quantile(0.5));
}

TEST_CASE("an empty histogram reads 0", "[histogram]") {
  LatencyHistogram h;
  REQUIRE(h.count() == 0);
  REQUIRE(h.quantile(0.5) == 0);
  REQUIRE(h.sumNanos() == 0);
  std::vector<std::int64_t> bounds{1'000, 1'000'000};
  std::vector<std::uint64_t> out(2, 99);
  h.countAtOrBelow(bounds, out);
  REQUIRE(out == std::vector<std::uint64_t>{0, 0});
}

TEST_CASE("the sum is exact and negative samples count as 0", "[histogram]") {
  LatencyHistogram h;
  h.record(1'500);
  h.record(2'500'000);
  h.record(-7);
  REQUIRE(h.count() == 3);
  REQUIRE(h.sumNanos() == 2'501'500);
  REQUIRE(h.quantile(0.01) == 0);
}

TEST_CASE("cumulative counts follow the bounds", "[histogram]") {
  LatencyHistogram h;
  for (int i = 0; i < 10; ++i) h.record(500);           // 0.5 µs
  for (int i = 0; i < 20; ++i) h.record(2'000'000);     // 2 ms
  for (int i = 0; i < 5; ++i) h.record(3'000'000'000);  // 3 s
  const std::vector<std::int64_t> bounds{1'000, 1'000'000, 2'100'000, 1'000'000'000, 10'000'000'000};
  std::vector<std::uint64_t> out(bounds.size());
  h.countAtOrBelow(bounds, out);
  REQUIRE(out == std::vector<std::uint64_t>{10, 10, 30, 30, 35});
}
