// random.cpp — the generators behind rand_int and rand_float: seeding
// (splitmix64 over the run's seed, the stage's name and the worker's index),
// unbiased bounded draws, and which generator a call uses (the running
// worker's, else this thread's).
#include "flow/random.h"

#include <random>
#include <string>

#include "flow/builtins.h"
#include "flow/context.h"
#include "flow/errors.h"

namespace flow {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

void Random::reseed(std::uint64_t seed) noexcept {
  for (std::uint64_t& word : s_) word = splitmix64(seed);
}

std::uint64_t Random::below(std::uint64_t n) noexcept {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019): the
  // high word of next() * n, redrawing the few values that would favour
  // some results.
  unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::uint64_t workerSeed(std::uint64_t runSeed, std::string_view stage, std::int64_t worker) noexcept {
  std::uint64_t x = runSeed;
  std::uint64_t mixed = splitmix64(x) ^ static_cast<std::uint64_t>(hashBytes(stage));
  mixed = splitmix64(mixed) ^ static_cast<std::uint64_t>(worker);
  return splitmix64(mixed);
}

std::uint64_t randomSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

Random& currentRandom() noexcept {
  if (Context* ctx = Context::current()) return ctx->random();
  thread_local Random threadRandom(randomSeed());
  return threadRandom;
}

std::int64_t rand_int(Random& g, std::int64_t lo, std::int64_t hi) {
  if (hi <= lo)
    throw ItemFailed("rand_int(" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "): the range is empty; hi must be greater than lo");
  // The width in unsigned arithmetic: hi - lo may not fit an int64.
  const std::uint64_t width = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + g.below(width));
}

}  // namespace flow
