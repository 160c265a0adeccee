// map_bench.cpp — flow::Map (tsl::robin_map with the runtime's hash) against
// std::unordered_map on the shapes Flow programs use: counting words
// (`counts[w] += 1`, string keys from a Zipf-like stream over a 50,000-word
// vocabulary), summing per id (`sums[id] += v`, int keys that are multiples
// of 1024 — the case a weak int hash clusters), and lookups of keys that
// are present. Google Benchmark; never a timed unit test.
//   ninja -C build flow_micro_map && ./build/bench/micro/flow_micro_map
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <flow/map.h>

namespace {

constexpr std::size_t kOps = 1'000'000;

/// A stream of words drawn Zipf-like (s = 1.1) from a fixed vocabulary.
const std::vector<std::string>& words() {
  static const std::vector<std::string> stream = [] {
    std::mt19937_64 rng(14);
    std::vector<std::string> vocab;
    for (int i = 0; i < 50'000; ++i) {
      std::string w;
      const int len = 2 + static_cast<int>(rng() % 9);
      for (int k = 0; k < len; ++k) w += static_cast<char>('a' + rng() % 26);
      vocab.push_back(w);
    }
    std::vector<double> cum;
    double total = 0;
    for (std::size_t r = 1; r <= vocab.size(); ++r)
      cum.push_back(total += 1 / std::pow(static_cast<double>(r), 1.1));
    std::uniform_real_distribution<double> u(0, total);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < kOps; ++i)
      out.push_back(vocab[std::lower_bound(cum.begin(), cum.end(), u(rng)) - cum.begin()]);
    return out;
  }();
  return stream;
}

template <class M>
void BM_CountWords(benchmark::State& state) {
  const auto& stream = words();
  for (auto _ : state) {
    M counts;
    for (const std::string& w : stream) counts[w] += 1;
    benchmark::DoNotOptimize(counts.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kOps));
}

template <class M>
void BM_SumPerId(benchmark::State& state) {
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < kOps; ++i) ids.push_back(static_cast<std::int64_t>(rng() % 4096) * 1024);
  for (auto _ : state) {
    M sums;
    for (std::int64_t id : ids) sums[id] += 1;
    benchmark::DoNotOptimize(sums.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kOps));
}

template <class M>
void BM_LookupPresent(benchmark::State& state) {
  const auto& stream = words();
  M counts;
  for (const std::string& w : stream) counts[w] += 1;
  for (auto _ : state) {
    std::int64_t found = 0;
    for (const std::string& w : stream) found += counts.find(w) != counts.end();
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kOps));
}

using FlowStrings = flow::Map<std::string, std::int64_t>;
using StdStrings = std::unordered_map<std::string, std::int64_t>;
using FlowInts = flow::Map<std::int64_t, std::int64_t>;
using StdInts = std::unordered_map<std::int64_t, std::int64_t>;

BENCHMARK(BM_CountWords<FlowStrings>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CountWords<StdStrings>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SumPerId<FlowInts>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SumPerId<StdInts>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LookupPresent<FlowStrings>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LookupPresent<StdStrings>)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
