// flow/lists.h — the list built-ins that build a new list from an old one:
// sort(xs), sort_by(xs, key), reverse(xs) (docs/language.md, "Functions,
// sorting, formatting and randomness"). Lists are values: each takes its
// list by value, so the generated code passes `std::move(xs)` when the old
// value is dead (`xs = sort(xs)`) and the call then works in place, or a
// copy otherwise. Does not check anything: sema allows only sortable
// element and key types (int, float, string, duration, bool).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace flow {

namespace detail {
/// The order of sort(): `<`, except that NaN sorts before every other
/// float (as Go's sort.Float64s does), so that the order is a strict weak
/// one even with NaNs and sorting never misbehaves.
template <class T>
[[nodiscard]] bool sortsBefore(const T& a, const T& b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return a < b;
}
}  // namespace detail

/// `sort(xs)`: ascending. Not stable, which no sortable type can observe
/// (equal ints, strings, durations or bools are identical; -0.0 and 0.0
/// keep their relative order as std::sort leaves them, deterministically).
template <class T>
[[nodiscard]] std::vector<T> sort(std::vector<T> xs) {
  if constexpr (std::is_same_v<T, bool>) {
    // std::vector<bool> packs bits: count instead of swapping proxies.
    const auto falses = static_cast<std::size_t>(std::count(xs.begin(), xs.end(), false));
    std::fill(xs.begin(), xs.end(), true);
    std::fill_n(xs.begin(), falses, false);
  } else {
    std::sort(xs.begin(), xs.end(), [](const T& a, const T& b) { return detail::sortsBefore(a, b); });
  }
  return xs;
}

/// `sort_by(xs, key)`: ascending by `key(x)`, stable (equal keys keep their
/// order). `key` is called exactly once per element, in list order.
template <class T, class Key>
[[nodiscard]] std::vector<T> sort_by(std::vector<T> xs, Key key) {
  using K = std::decay_t<decltype(key(std::declval<const T&>()))>;
  std::vector<std::pair<K, std::size_t>> keyed;
  keyed.reserve(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) keyed.emplace_back(key(xs[i]), i);
  // Ties broken by position: a plain sort that is stable by construction.
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    if (detail::sortsBefore(a.first, b.first)) return true;
    if (detail::sortsBefore(b.first, a.first)) return false;
    return a.second < b.second;
  });
  std::vector<T> out;
  out.reserve(xs.size());
  for (const auto& k : keyed) out.push_back(std::move(xs[k.second]));
  return out;
}

/// `reverse(xs)`.
template <class T>
[[nodiscard]] std::vector<T> reverse(std::vector<T> xs) {
  std::reverse(xs.begin(), xs.end());
  return xs;
}

}  // namespace flow
