// flow/map.h — flow::Map<K, V>, the C++ type of a Flow map `{K: V}`
// (docs/language.md, "Maps and typed declarations"), and the map built-ins
// generated code calls. K is std::int64_t, std::string or bool.
//
// A Map is a value, like every Flow value: copying copies the entries, and
// two maps are equal when they hold the same entries. Underneath it is a
// tsl::robin_map (Debian's robin-map-dev, header only): open addressing with
// Robin Hood probing, one allocation for the whole table, which the map
// benchmark (bench/micro/map_bench.cpp, bench/RESULTS.md) measured against
// std::unordered_map on the shapes Flow programs use. Its own order is the
// hash order and never shows: everything a program can observe — `for k, v
// in m`, keys(), values(), printing, to_json — goes through sorted(), in
// ascending key order, so output is deterministic.
//
// Thread safety: none; a map belongs to one worker (a `state`) or one item.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "flow/errors.h"
#include "flow/format.h"
#include "tsl/robin_map.h"

namespace flow {

namespace detail {
/// The map's hash. Ints go through a 64-bit mixer (the table masks the low
/// bits, and ids like 1024·i must not share them); strings use the
/// standard library's (murmur-style) byte hash.
struct MapHash {
  std::size_t operator()(std::int64_t v) const noexcept {
    // The offset keeps 0 from hashing to 0 (the mixer's fixed point).
    auto x = static_cast<std::uint64_t>(v) + 0x9e3779b97f4a7c15ULL;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return static_cast<std::size_t>(x);
  }
  std::size_t operator()(bool v) const noexcept { return v ? 0x9e3779b97f4a7c15ULL : 0x632be59bd9b4e019ULL; }
  std::size_t operator()(const std::string& s) const noexcept { return std::hash<std::string_view>{}(s); }
};
/// `m[k]` on a missing key: fails the item with `key "x" not in map`.
[[noreturn]] void throwMissingKey(const std::string& shownKey);
}  // namespace detail

template <class K, class V>
class Map {
  // Strings keep their hash beside them: a probe then compares hashes
  // before it compares bytes.
  using Table = tsl::robin_map<K, V, detail::MapHash, std::equal_to<K>, std::allocator<std::pair<K, V>>,
                               std::is_same_v<K, std::string>>;

 public:
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<K, V>;
  using const_iterator = typename Table::const_iterator;

  Map() = default;
  /// `{k1: v1, k2: v2}`: entries in order, a repeated key keeps the last value.
  Map(std::initializer_list<std::pair<K, V>> entries) {
    table_.reserve(entries.size());
    for (const auto& e : entries) table_[e.first] = e.second;
  }
  Map(const Map&) = default;
  Map& operator=(const Map&) = default;
  // Channels need nothrow moves; robin_map's move assignment is not
  // declared noexcept (it only swaps and clears, which cannot throw).
  Map(Map&& other) noexcept : table_(std::move(other.table_)) {}
  Map& operator=(Map&& other) noexcept {
    table_.swap(other.table_);
    other.table_.clear();
    return *this;
  }
  ~Map() = default;

  [[nodiscard]] std::size_t size() const noexcept { return table_.size(); }
  [[nodiscard]] bool empty() const noexcept { return table_.empty(); }
  /// Hash order: for host code that does not care; Flow never shows it.
  [[nodiscard]] const_iterator begin() const noexcept { return table_.cbegin(); }
  [[nodiscard]] const_iterator end() const noexcept { return table_.cend(); }
  [[nodiscard]] const_iterator find(const K& k) const { return table_.find(k); }
  [[nodiscard]] bool contains(const K& k) const { return table_.find(k) != table_.end(); }
  /// The value of `k`, made from V's zero value if missing (`m[k] = v`,
  /// `m[k] += 1`: Go's zero-value rule).
  V& operator[](const K& k) { return table_[k]; }
  V& operator[](K&& k) { return table_[std::move(k)]; }
  /// Removes `k` if present; returns how many were removed.
  std::size_t erase(const K& k) { return table_.erase(k); }
  void clear() noexcept { table_.clear(); }
  void reserve(std::size_t n) { table_.reserve(n); }

  /// The entries in ascending key order, as pointers into the map: valid
  /// until the map is next changed.
  [[nodiscard]] std::vector<const std::pair<K, V>*> sorted() const {
    std::vector<const std::pair<K, V>*> out;
    out.reserve(table_.size());
    for (auto it = table_.cbegin(); it != table_.cend(); ++it) out.push_back(&*it.operator->());
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    return out;
  }

  /// Equal when they hold the same entries (whatever the hash order).
  friend bool operator==(const Map& a, const Map& b) {
    if (a.size() != b.size()) return false;
    for (auto it = a.table_.cbegin(); it != a.table_.cend(); ++it) {
      auto found = b.table_.find(it->first);
      if (found == b.table_.cend() || !(found->second == it->second)) return false;
    }
    return true;
  }

 private:
  Table table_;
};

/// `key EXPR`'s hash: equal keys, equal hashes, so equal keys meet the same
/// worker. Ints, strings and bools hash as map keys do; other values by
/// their printed form (as `hash(x)` does), so records and lists work too.
template <class T>
[[nodiscard]] std::uint64_t keyHash(const T& key) {
  if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, bool> ||
                std::is_same_v<T, std::string>) {
    return detail::MapHash{}(key);
  } else {
    std::string shown;
    format_nested(shown, key);
    return detail::MapHash{}(shown);
  }
}

template <class T>
struct IsMap : std::false_type {};
template <class K, class V>
struct IsMap<Map<K, V>> : std::true_type {};

// ---- the map built-ins -----------------------------------------------------

/// The key as a message shows it: `"word"`, `42`, `true`.
template <class K>
[[nodiscard]] std::string shownKey(const K& k) {
  std::string out;
  format_nested(out, k);
  return out;
}

/// `m[k]` read: fails the item when `k` is missing, like a bad list index.
template <class K, class V>
[[nodiscard]] const V& at(const Map<K, V>& m, const std::type_identity_t<K>& k) {
  auto it = m.find(k);
  if (it == m.end()) detail::throwMissingKey(shownKey(k));
  return it->second;
}
/// `get(m, k, default)`.
template <class K, class V>
[[nodiscard]] V get(const Map<K, V>& m, const std::type_identity_t<K>& k,
                    const std::type_identity_t<V>& fallback) {
  auto it = m.find(k);
  return it == m.end() ? fallback : it->second;
}
/// `has(m, k)`.
template <class K, class V>
[[nodiscard]] bool has(const Map<K, V>& m, const std::type_identity_t<K>& k) {
  return m.contains(k);
}
/// `len(m)`.
template <class K, class V>
[[nodiscard]] std::int64_t len(const Map<K, V>& m) noexcept {
  return static_cast<std::int64_t>(m.size());
}
/// `keys(m)`: ascending.
template <class K, class V>
[[nodiscard]] std::vector<K> keys(const Map<K, V>& m) {
  std::vector<K> out;
  out.reserve(m.size());
  for (const auto* e : m.sorted()) out.push_back(e->first);
  return out;
}
/// `values(m)`: in the order of keys(m).
template <class K, class V>
[[nodiscard]] std::vector<V> values(const Map<K, V>& m) {
  std::vector<V> out;
  out.reserve(m.size());
  for (const auto* e : m.sorted()) out.push_back(e->second);
  return out;
}
/// `delete(m, k)`: nothing happens when `k` is missing (as in Go).
template <class K, class V>
void erase(Map<K, V>& m, const std::type_identity_t<K>& k) {
  m.erase(k);
}
/// `for k, v in m` over a map the loop might change, or a temporary: a
/// sorted copy of the entries, which the loop owns.
template <class K, class V>
[[nodiscard]] std::vector<std::pair<K, V>> sortedCopy(const Map<K, V>& m) {
  std::vector<std::pair<K, V>> out;
  out.reserve(m.size());
  for (const auto* e : m.sorted()) out.push_back(*e);
  return out;
}

/// Printing: `{"a": 1, "b": 2}` in ascending key order (found by ADL).
template <class K, class V>
void flow_format(std::string& out, const Map<K, V>& m) {
  out += '{';
  bool first = true;
  for (const auto* e : m.sorted()) {
    if (!first) out += ", ";
    first = false;
    format_nested(out, e->first);
    out += ": ";
    format_nested(out, e->second);
  }
  out += '}';
}

}  // namespace flow
