// flow/random.h — `rand_int(lo, hi)` and `rand_float()` (docs/language.md,
// "Functions, sorting, formatting and randomness"). Each worker of a running
// pipeline draws from its own generator, seeded from the run's seed, the
// stage's name and the worker's index, so workers never share state and a
// run with `--seed=N` gives every worker the same sequence each time. Code
// outside a running body (an embedding host calling a Flow function) draws
// from a per-thread generator seeded once from std::random_device.
// Not cryptographic.
#pragma once

#include <cstdint>
#include <string_view>

namespace flow {

/// xoshiro256**: small state, fast, and good enough statistically for
/// simulations and sampling; seeded through splitmix64 so any 64-bit seed
/// gives a well-mixed state.
class Random {
 public:
  explicit Random(std::uint64_t seed = 0) noexcept { reseed(seed); }
  void reseed(std::uint64_t seed) noexcept;
  [[nodiscard]] std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, n) for n > 0, without modulo bias (Lemire's method).
  [[nodiscard]] std::uint64_t below(std::uint64_t n) noexcept;
  /// Uniform in [0, 1), 53 random bits.
  [[nodiscard]] double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

/// The seed of worker `worker` of stage `stage` in a run seeded `runSeed`.
[[nodiscard]] std::uint64_t workerSeed(std::uint64_t runSeed, std::string_view stage,
                                       std::int64_t worker) noexcept;
/// A fresh seed from std::random_device, for runs without `--seed`.
[[nodiscard]] std::uint64_t randomSeed();

/// The generator of the running worker (or of this thread outside a body).
[[nodiscard]] Random& currentRandom() noexcept;

/// `rand_int(lo, hi)`: uniform in [lo, hi) from `g`; fails the item when
/// hi <= lo.
[[nodiscard]] std::int64_t rand_int(Random& g, std::int64_t lo, std::int64_t hi);
[[nodiscard]] inline std::int64_t rand_int(std::int64_t lo, std::int64_t hi) {
  return rand_int(currentRandom(), lo, hi);
}
/// `rand_float()`: uniform in [0, 1).
[[nodiscard]] inline double rand_float() noexcept { return currentRandom().unit(); }

}  // namespace flow
