// flow/json.h — to_json and from_json (docs/language.md, "JSON").
//
// Encoding is header-only: write(out, v) appends v's JSON, compact (no
// spaces), records as objects with their fields in declaration order
// (through a `flow_to_json(std::string&, const R&)` that generated code
// declares next to each record, found by ADL), lists as arrays, maps as
// objects with their keys as strings in ascending key order, durations as
// strings in their printed form (`"1.5s"`), floats in the shortest form that
// reads back the same. A NaN or an infinity has no JSON form: it fails the
// item, as Go's encoding/json refuses it.
//
// Decoding goes through a Decoder, which wraps simdjson's On-Demand parser
// (Debian's libsimdjson-dev) inside the runtime library (src/json.cpp) so
// that generated programs never parse its 1.2 MB header. Generated code
// declares a `flow_from_json(json::Decoder&, R&)` per record that reads the
// object's fields by name — unknown fields are skipped, missing ones keep
// their defaults or fail — and read(d, v) does the rest by type, at compile
// time: no run-time reflection. Every failure throws flow::ItemFailed with
// the type, the field path and the byte offset in the text:
//   from_json(Reading): field "value": expected a number at offset 31
// Programs that decode link libsimdjson (flowc adds it; the CMake package
// links it).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "flow/errors.h"
#include "flow/format.h"
#include "flow/map.h"

namespace flow::json {

// ---- encoding ---------------------------------------------------------------

/// `"s"` with JSON escapes; invalid UTF-8 becomes U+FFFD (as in Go).
void appendString(std::string& out, std::string_view s);
/// A finite double in the shortest form; NaN and ±Inf fail the item.
void appendNumber(std::string& out, double v);

template <class T>
void write(std::string& out, const T& v);

/// Map keys are JSON strings: ints in decimal, bools as `true`/`false`.
template <class K>
void writeKey(std::string& out, const K& k) {
  if constexpr (std::is_same_v<K, std::string>) {
    appendString(out, k);
  } else {
    out += '"';
    format(out, k);
    out += '"';
  }
}

template <class T>
void write(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    format(out, v);
  } else if constexpr (std::is_same_v<T, double>) {
    appendNumber(out, v);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    appendString(out, std::string_view(v));
  } else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) {
    out += '"';
    format(out, v);
    out += '"';
  } else if constexpr (detail::IsVector<T>::value) {
    out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first) out += ',';
      first = false;
      write(out, e);
    }
    out += ']';
  } else if constexpr (IsMap<T>::value) {
    out += '{';
    bool first = true;
    for (const auto* e : v.sorted()) {
      if (!first) out += ',';
      first = false;
      writeKey(out, e->first);
      out += ':';
      write(out, e->second);
    }
    out += '}';
  } else {
    flow_to_json(out, v);  // a generated record: found by ADL
  }
}

// ---- decoding ---------------------------------------------------------------

/// Reads one JSON text as a value, front to back (simdjson On-Demand: a
/// value is read where it stands, once). Made by from_json(); one per
/// thread, reused. "The current value" is the document itself at first,
/// then the value of the last field or element reached. Every read_/begin
/// call consumes it; a value never read is skipped. Throws ItemFailed.
/// Not thread-safe.
class Decoder {
 public:
  struct Impl;
  explicit Decoder(Impl* impl) noexcept : impl_(impl) {}

  std::int64_t readInt();
  double readFloat();
  bool readBool();
  void readString(std::string& out);
  /// A string in the printed form: `1.5s`, `250ms`, `2m0s`, `-3us`.
  std::chrono::nanoseconds readDuration();
  /// The current value must be an object; returns its offset (for missing()).
  std::size_t beginObject();
  /// Moves to the next field (its value becomes current); `key` holds its
  /// name until the next call. False when the object ends.
  bool nextField(std::string_view& key);
  /// The current value must be an array.
  void beginArray();
  /// Moves to the next element; false when the array ends.
  bool nextElement();
  /// Map keys given as strings.
  std::int64_t keyAsInt(std::string_view key);
  bool keyAsBool(std::string_view key);
  /// The record field `field`, which has no default, is not in the object at `objectOffset`.
  [[noreturn]] void missing(std::string_view field, std::size_t objectOffset);

 private:
  Impl* impl_;
};

/// The calling thread's decoder, reset to read `text` as a `typeName`.
Decoder& beginDecoding(std::string_view text, std::string_view typeName);
/// Fails unless only white space follows the value read.
void endDecoding(Decoder& d);

template <class T>
void read(Decoder& d, T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    v = d.readBool();
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    v = d.readInt();
  } else if constexpr (std::is_same_v<T, double>) {
    v = d.readFloat();
  } else if constexpr (std::is_same_v<T, std::string>) {
    d.readString(v);
  } else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) {
    v = d.readDuration();
  } else if constexpr (detail::IsVector<T>::value) {
    v.clear();
    d.beginArray();
    while (d.nextElement()) {
      v.emplace_back();
      read(d, v.back());
    }
  } else if constexpr (IsMap<T>::value) {
    using K = typename T::key_type;
    v.clear();
    d.beginObject();
    std::string_view key;
    while (d.nextField(key)) {
      if constexpr (std::is_same_v<K, std::string>)
        read(d, v[std::string(key)]);
      else if constexpr (std::is_same_v<K, bool>)
        read(d, v[d.keyAsBool(key)]);
      else
        read(d, v[d.keyAsInt(key)]);
    }
  } else {
    flow_from_json(d, v);  // a generated record: found by ADL
  }
}

}  // namespace flow::json

namespace flow {

/// `to_json(x)`.
template <class T>
[[nodiscard]] std::string to_json(const T& v) {
  std::string out;
  json::write(out, v);
  return out;
}

/// `from_json(T, s)`: `typeName` is T as written in Flow, for messages.
template <class T>
[[nodiscard]] T from_json(std::string_view text, std::string_view typeName) {
  json::Decoder& d = json::beginDecoding(text, typeName);
  T out{};
  json::read(d, out);
  json::endDecoding(d);
  return out;
}

}  // namespace flow
