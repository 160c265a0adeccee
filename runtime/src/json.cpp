// json.cpp — from_json's Decoder (flow/json.h) on simdjson's On-Demand API.
// One decoder per thread: its parser and its padded copy of the text keep
// their capacity from call to call, so decoding a stream of lines allocates
// nothing once warm. The decoder keeps a stack of the objects and arrays it
// is inside, for iteration and for the field path of messages; every
// failure names the type, the path and the offset of the offending value:
//   from_json(Reading): field "value": expected a number at offset 31
// Offsets are 0-based byte offsets into the text. What simdjson does not
// look at — the insides of a skipped value — is not validated.
#include <simdjson.h>

#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "flow/json.h"

namespace flow::json {

namespace od = simdjson::ondemand;

struct Decoder::Impl {
  struct Frame {
    bool isObject = true;
    bool started = false;
    od::object_iterator field, fieldsEnd;
    od::array_iterator element, elementsEnd;
    std::string_view key;   // objects: the current field's name
    std::size_t index = 0;  // arrays: the current element's index
  };

  od::parser parser;
  std::string text;  // the text, with SIMDJSON_PADDING spare bytes after it
  std::size_t size = 0;
  od::document doc;
  std::string typeName;
  bool atRoot = true;
  od::value current;  // when !atRoot
  std::vector<Frame> frames;

  void reset(std::string_view t, std::string_view type) {
    text.reserve(t.size() + simdjson::SIMDJSON_PADDING);
    text.assign(t.data(), t.size());
    size = t.size();
    typeName.assign(type.data(), type.size());
    atRoot = true;
    frames.clear();
  }

  std::size_t offsetOf(const char* p) const {
    if (p == nullptr || p < text.data()) return 0;
    const auto at = static_cast<std::size_t>(p - text.data());
    return at > size ? size : at;
  }
  /// Where the current value starts.
  std::size_t here() {
    std::string_view token;
    if (atRoot) {
      const char* p = nullptr;
      if (doc.current_location().get(p) == simdjson::SUCCESS) return offsetOf(p);
      return 0;
    }
    token = current.raw_json_token();
    return offsetOf(token.data());
  }

  /// `field "a.b[2]"` for the value being read, or empty at the top level.
  std::string path() const {
    std::string p;
    for (const Frame& f : frames) {
      if (!f.started) break;
      if (f.isObject) {
        if (!p.empty()) p += '.';
        p.append(f.key.data(), f.key.size());
      } else {
        p += '[';
        format(p, static_cast<std::int64_t>(f.index));
        p += ']';
      }
    }
    return p;
  }

  [[noreturn]] void fail(const std::string& what, std::size_t offset) const {
    std::string message = "from_json(" + typeName + "): ";
    if (std::string p = path(); !p.empty()) {
      message += "field ";
      detail::appendQuoted(message, p);
      message += ": ";
    }
    message += what;
    message += " at offset ";
    format(message, static_cast<std::int64_t>(offset));
    throw ItemFailed(message);
  }

  /// The current value's text, as far as simdjson shows it (scalars whole).
  std::string_view token() {
    if (!atRoot) return current.raw_json_token();
    std::string_view t;
    return doc.raw_json_token().get(t) == simdjson::SUCCESS ? t : std::string_view();
  }

  /// A simdjson error while reading the current value as `expected`.
  [[noreturn]] void failRead(simdjson::error_code e, const char* expected) {
    const std::size_t at = here();
    if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) failUnclosed();
    const bool wantsNumber =
        std::string_view(expected) == "an integer" || std::string_view(expected) == "a number";
    if (wantsNumber && (e == simdjson::INCORRECT_TYPE || e == simdjson::NUMBER_ERROR ||
                        e == simdjson::NUMBER_OUT_OF_RANGE)) {
      // A number simdjson would not take: tell a fraction (for an int) from
      // a number too large for 64 bits.
      const std::string_view t = token();
      const bool numeric = !t.empty() && (t.front() == '-' || (t.front() >= '0' && t.front() <= '9'));
      if (numeric) {
        const bool fractional = t.find_first_of(".eE") != std::string_view::npos;
        if (std::string_view(expected) == "an integer" && fractional) fail("expected an integer", at);
        fail(std::string("expected ") + expected + " that fits in 64 bits", at);
      }
    }
    switch (e) {
      case simdjson::INCORRECT_TYPE:
        fail(std::string("expected ") + expected, at);
      case simdjson::TRAILING_CONTENT:
        fail("unexpected content after the value", at);
      default:
        fail(std::string("malformed JSON (") + simdjson::error_message(e) + ")", at);
    }
  }

  /// simdjson says a root object or array is not closed: either it is not,
  /// or something follows its closing bracket. Tells which, and where.
  [[noreturn]] void failUnclosed() const {
    std::size_t depth = 0;
    bool inString = false, escaped = false;
    for (std::size_t i = 0; i < size; ++i) {
      const char c = text[i];
      if (inString) {
        if (escaped)
          escaped = false;
        else if (c == '\\')
          escaped = true;
        else if (c == '"')
          inString = false;
        continue;
      }
      if (c == '"') inString = true;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && depth > 0 && --depth == 0) {
        for (std::size_t j = i + 1; j < size; ++j)
          if (text[j] != ' ' && text[j] != '\t' && text[j] != '\n' && text[j] != '\r')
            fail("unexpected content after the value", j);
        break;
      }
    }
    fail("unexpected end of the text", size);
  }

  template <class T, class Get>
  T scalar(Get get, const char* expected) {
    T v{};
    const simdjson::error_code e = atRoot ? get(doc).get(v) : get(current).get(v);
    if (e != simdjson::SUCCESS) failRead(e, expected);
    return v;
  }
};

namespace {

/// Go's time.ParseDuration: `1.5s`, `250ms`, `2m0s`, `-3us`, `1µs`, `0`.
bool parseDuration(std::string_view s, std::int64_t& out) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    out = 0;
    return true;
  }
  if (s.empty()) return false;
  unsigned __int128 total = 0;
  while (!s.empty()) {
    std::uint64_t whole = 0, frac = 0, scale = 1;
    std::size_t i = 0;
    bool digits = false;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, digits = true) {
      if (whole > (UINT64_MAX - 9) / 10) return false;
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    if (i < s.size() && s[i] == '.') {
      for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, digits = true) {
        if (scale > UINT64_MAX / 100) continue;  // digits past what a nanosecond can tell
        frac = frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
        scale *= 10;
      }
    }
    if (!digits) return false;
    s.remove_prefix(i);
    static constexpr struct {
      std::string_view name;
      std::uint64_t ns;
    } kUnits[] = {{"ns", 1},         {"us", 1000},         {"\xC2\xB5s", 1000},   {"\xCE\xBCs", 1000},
                  {"ms", 1'000'000}, {"s", 1'000'000'000}, {"m", 60'000'000'000}, {"h", 3'600'000'000'000}};
    std::uint64_t unit = 0;
    for (const auto& u : kUnits) {
      // The longest match first: `ms` before `m`, `ns`/`us` before `s`.
      if (s.substr(0, u.name.size()) == u.name && (u.name != "m" || s.substr(0, 2) != "ms")) {
        unit = u.ns;
        s.remove_prefix(u.name.size());
        break;
      }
    }
    if (unit == 0) return false;
    total +=
        static_cast<unsigned __int128>(whole) * unit + static_cast<unsigned __int128>(frac) * unit / scale;
    if (total > static_cast<unsigned __int128>(INT64_MAX) + (negative ? 1 : 0)) return false;
  }
  out =
      negative ? static_cast<std::int64_t>(-static_cast<__int128>(total)) : static_cast<std::int64_t>(total);
  return true;
}

thread_local Decoder::Impl tImpl;
thread_local Decoder tDecoder(&tImpl);

}  // namespace

Decoder& beginDecoding(std::string_view text, std::string_view typeName) {
  Decoder::Impl& d = tImpl;
  d.reset(text, typeName);
  const simdjson::padded_string_view padded(d.text.data(), d.size, d.text.capacity());
  const simdjson::error_code e = d.parser.iterate(padded).get(d.doc);
  if (e != simdjson::SUCCESS) {
    if (e == simdjson::EMPTY) d.fail("expected a JSON value, found none", 0);
    d.fail(std::string("malformed JSON (") + simdjson::error_message(e) + ")", 0);
  }
  return tDecoder;
}

void endDecoding(Decoder&) {
  Decoder::Impl& d = tImpl;
  d.frames.clear();
  // Past the value read, the iterator is out of bounds unless something follows.
  const char* p = nullptr;
  if (d.doc.current_location().get(p) != simdjson::SUCCESS) return;
  d.fail("unexpected content after the value", d.offsetOf(p));
}

std::int64_t Decoder::readInt() {
  return impl_->scalar<std::int64_t>([](auto& v) { return v.get_int64(); }, "an integer");
}

double Decoder::readFloat() {
  return impl_->scalar<double>([](auto& v) { return v.get_double(); }, "a number");
}

bool Decoder::readBool() {
  return impl_->scalar<bool>([](auto& v) { return v.get_bool(); }, "true or false");
}

void Decoder::readString(std::string& out) {
  const std::string_view s =
      impl_->scalar<std::string_view>([](auto& v) { return v.get_string(); }, "a string");
  out.assign(s.data(), s.size());
}

std::chrono::nanoseconds Decoder::readDuration() {
  const std::size_t at = impl_->here();
  const std::string_view s =
      impl_->scalar<std::string_view>([](auto& v) { return v.get_string(); }, "a duration string");
  std::int64_t ns = 0;
  if (!parseDuration(s, ns)) impl_->fail("expected a duration like \"1.5s\" or \"250ms\"", at);
  return std::chrono::nanoseconds(ns);
}

std::size_t Decoder::beginObject() {
  Impl& d = *impl_;
  const std::size_t at = d.here();
  od::object object;
  const simdjson::error_code e =
      d.atRoot ? d.doc.get_object().get(object) : d.current.get_object().get(object);
  if (e != simdjson::SUCCESS) d.failRead(e, "an object");
  Impl::Frame f;
  f.isObject = true;
  if (object.begin().get(f.field) != simdjson::SUCCESS || object.end().get(f.fieldsEnd) != simdjson::SUCCESS)
    d.fail("malformed JSON", at);
  d.frames.push_back(f);
  return at;
}

bool Decoder::nextField(std::string_view& key) {
  Impl& d = *impl_;
  Impl::Frame& f = d.frames.back();
  if (f.started) ++f.field;  // skips the previous field's value if nobody read it
  if (!(f.field != f.fieldsEnd)) {
    d.frames.pop_back();
    return false;
  }
  f.started = true;
  od::field field;
  simdjson::error_code e = (*f.field).get(field);
  if (e == simdjson::SUCCESS) {
    // Most keys have no escapes: then the key is its raw text, up to the
    // closing quote (stage 1 checked it is there), with no copy.
    const char* begin = field.key().raw();
    const char* end = begin;
    while (*end != '"' && *end != '\\') ++end;
    if (*end == '"')
      key = std::string_view(begin, static_cast<std::size_t>(end - begin));
    else
      e = field.unescaped_key().get(key);
  }
  if (e != simdjson::SUCCESS) {
    f.started = false;  // no key to show
    const char* p = nullptr;
    d.fail(std::string("malformed JSON (") + simdjson::error_message(e) + ")",
           d.doc.current_location().get(p) == simdjson::SUCCESS ? d.offsetOf(p) : 0);
  }
  f.key = key;
  d.current = field.value();
  d.atRoot = false;
  return true;
}

void Decoder::beginArray() {
  Impl& d = *impl_;
  const std::size_t at = d.here();
  od::array array;
  const simdjson::error_code e = d.atRoot ? d.doc.get_array().get(array) : d.current.get_array().get(array);
  if (e != simdjson::SUCCESS) d.failRead(e, "an array");
  Impl::Frame f;
  f.isObject = false;
  if (array.begin().get(f.element) != simdjson::SUCCESS ||
      array.end().get(f.elementsEnd) != simdjson::SUCCESS)
    d.fail("malformed JSON", at);
  d.frames.push_back(f);
}

bool Decoder::nextElement() {
  Impl& d = *impl_;
  Impl::Frame& f = d.frames.back();
  if (f.started) {
    ++f.element;
    ++f.index;
  }
  if (!(f.element != f.elementsEnd)) {
    d.frames.pop_back();
    return false;
  }
  f.started = true;
  const simdjson::error_code e = (*f.element).get(d.current);
  d.atRoot = false;
  if (e != simdjson::SUCCESS) {
    const char* p = nullptr;
    d.fail(std::string("malformed JSON (") + simdjson::error_message(e) + ")",
           d.doc.current_location().get(p) == simdjson::SUCCESS ? d.offsetOf(p) : 0);
  }
  return true;
}

std::int64_t Decoder::keyAsInt(std::string_view key) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
  if (ec != std::errc() || end != key.data() + key.size() || key.empty())
    impl_->fail("expected an integer key", impl_->here());
  return v;
}

bool Decoder::keyAsBool(std::string_view key) {
  if (key == "true") return true;
  if (key == "false") return false;
  impl_->fail("expected a key `true` or `false`", impl_->here());
}

void Decoder::missing(std::string_view field, std::size_t objectOffset) {
  Impl& d = *impl_;
  // The path is the object's; the missing field goes on the end.
  std::string p = d.path();
  d.frames.clear();
  std::string message = "from_json(" + d.typeName + "): field ";
  detail::appendQuoted(message, p.empty() ? std::string(field) : p + "." + std::string(field));
  message += ": missing from the object at offset ";
  format(message, static_cast<std::int64_t>(objectOffset));
  throw ItemFailed(message);
}

}  // namespace flow::json
