// peer_args.h — the command line shared by every C++ peer: `--name=value`
// integer flags, the same spelling the Flow programs (`--PARAM=V`) and the Go
// peers (package flag) accept, so bench/run.py passes one argument list to
// every implementation of a workload. Does not validate beyond "is an integer":
// the harness is the only caller.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace bench {

/// Returns the value of `--name=V` in argv, or `fallback` when absent.
/// Exits with status 2 (as a Flow program does) on a malformed integer.
inline std::int64_t intFlag(int argc, char** argv, std::string_view name, std::int64_t fallback) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, prefix.size()) != prefix) continue;
    const std::string value(arg.substr(prefix.size()));
    char* end = nullptr;
    const long long parsed = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') {
      std::fprintf(stderr, "bad value for --%s: %s\n", prefix.c_str() + 2, value.c_str());
      std::exit(2);
    }
    return parsed;
  }
  return fallback;
}

/// The one line every implementation prints; bench/run.py parses it.
/// The sum is kept in uint64 (wraps mod 2^64, well defined) and printed as
/// the int64 with the same bits, which is what Flow's and Go's wrapping
/// int64 arithmetic prints.
inline void printChecksum(std::uint64_t sum) {
  std::printf("checksum %lld\n", static_cast<long long>(static_cast<std::int64_t>(sum)));
}

/// W2's job: `rounds` rounds of a 64-bit xorshift seeded with job+1.
/// Shifts are on int64 as Flow defines them (`<<` wraps, `>>` is arithmetic),
/// so every language computes the same bits.
inline std::int64_t xorshiftRounds(std::int64_t job, std::int64_t rounds) {
  std::int64_t x = job + 1;
  for (std::int64_t r = 0; r < rounds; ++r) {
    x ^= static_cast<std::int64_t>(static_cast<std::uint64_t>(x) << 13);
    x ^= x >> 7;
    x ^= static_cast<std::int64_t>(static_cast<std::uint64_t>(x) << 17);
  }
  return x;
}

}  // namespace bench
