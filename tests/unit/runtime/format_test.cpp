// format_test.cpp — value printing (docs/language.md, "Types and values") and
// the built-in functions, including the run-time errors that fail an item with
// the messages of docs/language.md, "Errors".
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <flow/flow.h>
#include <catch2/catch.hpp>

using namespace std::chrono_literals;

namespace demo {
struct Reading {
  std::string sensor;
  double value{};
  std::vector<std::string> tags;
};
// What flowc generates for a record (see docs/design/generated_code.md).
inline void flow_format(std::string& out, const Reading& v) {
  out += "Reading{sensor: ";
  flow::format_nested(out, v.sensor);
  out += ", value: ";
  flow::format_nested(out, v.value);
  out += ", tags: ";
  flow::format_nested(out, v.tags);
  out += "}";
}
}  // namespace demo

namespace {
std::string failureOf(auto&& f) {
  try {
    f();
  } catch (const flow::ItemFailed& e) {
    return e.what();
  }
  return "(no failure)";
}
}  // namespace

TEST_CASE("ints, bools and floats print as the reference says", "[format]") {
  CHECK(flow::str(std::int64_t{42}) == "42");
  CHECK(flow::str(std::int64_t{-7}) == "-7");
  CHECK(flow::str(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  CHECK(flow::str(true) == "true");
  CHECK(flow::str(false) == "false");
  CHECK(flow::str(1.0) == "1");
  CHECK(flow::str(1.5) == "1.5");
  CHECK(flow::str(1e-07) == "1e-07");
  CHECK(flow::str(0.1) == "0.1");
  CHECK(flow::str(123456789.0) == "123456789");
  CHECK(flow::str(1e21) == "1e+21");
}

TEST_CASE("durations print like Go's time.Duration", "[format]") {
  CHECK(flow::str(std::chrono::nanoseconds(0)) == "0s");
  CHECK(flow::str(std::chrono::nanoseconds(1500)) == "1.5\xC2\xB5s");
  CHECK(flow::str(100ns) == "100ns");
  CHECK(flow::str(250ms) == "250ms");
  CHECK(flow::str(1500ms) == "1.5s");
  CHECK(flow::str(2min) == "2m0s");
  CHECK(flow::str(1h) == "1h0m0s");
  CHECK(flow::str(90min + 30s) == "1h30m30s");
  CHECK(flow::str(-50ms) == "-50ms");
  CHECK(flow::str(std::chrono::nanoseconds(1'000'000'001)) == "1.000000001s");
}

TEST_CASE("lists print with brackets and quote their strings", "[format]") {
  CHECK(flow::str(std::vector<std::int64_t>{1, 2, 3}) == "[1, 2, 3]");
  CHECK(flow::str(std::vector<std::int64_t>{}) == "[]");
  CHECK(flow::str(std::vector<std::string>{"a", "b"}) == "[\"a\", \"b\"]");
  CHECK(flow::str(std::vector<std::vector<double>>{{1.5}, {}}) == "[[1.5], []]");
  CHECK(flow::str(std::vector<std::string>{"say \"hi\"\n"}) == "[\"say \\\"hi\\\"\\n\"]");
  CHECK(flow::str(std::string("bare")) == "bare");
}

TEST_CASE("records print through their generated flow_format", "[format]") {
  const demo::Reading r{"a", 1.0, {}};
  CHECK(flow::str(r) == "Reading{sensor: \"a\", value: 1, tags: []}");
  CHECK(flow::str(std::vector<demo::Reading>{r}) == "[Reading{sensor: \"a\", value: 1, tags: []}]");
  CHECK(flow::concat("got ", r, " at ", 250ms) == "got Reading{sensor: \"a\", value: 1, tags: []} at 250ms");
}

TEST_CASE("interpolation joins values by the top-level rules", "[format]") {
  CHECK(flow::concat("job ", std::int64_t{3}, " took ", 1.5, "s") == "job 3 took 1.5s");
  CHECK(flow::concat("s=", std::string("x")) == "s=x");
}

TEST_CASE("checked int operations fail the item with the documented messages", "[builtins]") {
  CHECK(failureOf([] { (void)flow::div(1, 0); }) == "division by zero");
  CHECK(failureOf([] { (void)flow::rem(1, 0); }) == "division by zero");
  const std::vector<std::int64_t> xs{1, 2, 3};
  CHECK(failureOf([&] { (void)flow::at(xs, 5); }) == "index 5 out of range for list of length 3");
  CHECK(failureOf([&] { (void)flow::at(xs, -1); }) == "index -1 out of range for list of length 3");
  CHECK(flow::at(xs, 2) == 3);
  CHECK(failureOf([] { (void)flow::to_int("abc"); }) == "cannot convert \"abc\" to int");
  CHECK(failureOf([] { (void)flow::to_int(""); }) == "cannot convert \"\" to int");
  CHECK(failureOf([] { (void)flow::to_int("99999999999999999999"); }) ==
        "cannot convert \"99999999999999999999\" to int");
  CHECK(failureOf([] { (void)flow::to_float("1.2.3"); }) == "cannot convert \"1.2.3\" to float");
}

TEST_CASE("int arithmetic wraps around like Go", "[builtins]") {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  CHECK(flow::wrap_add(kMax, 1) == kMin);
  CHECK(flow::wrap_sub(kMin, 1) == kMax);
  CHECK(flow::wrap_mul(kMax, 2) == -2);
  CHECK(flow::wrap_neg(kMin) == kMin);
  CHECK(flow::div(kMin, -1) == kMin);
  CHECK(flow::rem(kMin, -1) == 0);
  CHECK(flow::div(-7, 2) == -3);
  CHECK(flow::rem(-7, 2) == -1);
  CHECK(flow::wrap_shl(1, 63) == kMin);
  CHECK(flow::wrap_shl(1, 64) == 0);
  CHECK(flow::wrap_shr(-8, 1) == -4);
  CHECK(flow::wrap_shr(-8, 100) == -1);
  CHECK(flow::abs(kMin) == kMin);
  CHECK(flow::abs(std::int64_t{-3}) == 3);
}

TEST_CASE("conversions accept what the language writes", "[builtins]") {
  CHECK(flow::to_int("42") == 42);
  CHECK(flow::to_int("-42") == -42);
  CHECK(flow::to_int("1_000_000") == 1000000);
  CHECK(flow::to_int("0x1F") == 31);
  CHECK(flow::to_int("-9223372036854775808") == std::numeric_limits<std::int64_t>::min());
  CHECK(flow::to_float("1e-3") == 1e-3);
  CHECK(flow::to_float("2") == 2.0);
  CHECK(flow::to_int(-2.7) == -2);
}

TEST_CASE("string built-ins", "[builtins]") {
  CHECK(flow::len("héllo") == 6);  // bytes
  CHECK(flow::len(std::vector<int>{1, 2}) == 2);
  CHECK(flow::upper("abc-Z") == "ABC-Z");
  CHECK(flow::lower("ABC-z") == "abc-z");
  CHECK(flow::trim("  x y \n") == "x y");
  CHECK(flow::split("a,b,,c", ",") == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(flow::split("", ",") == std::vector<std::string>{""});
  CHECK(flow::split("h\xC3\xA9", "") == std::vector<std::string>{"h", "\xC3\xA9"});
  CHECK(flow::join({"a", "b", "c"}, "-") == "a-b-c");
  CHECK(flow::contains("haystack", "st"));
  CHECK_FALSE(flow::contains("haystack", "xx"));
  CHECK(flow::contains(std::vector<std::int64_t>{1, 2}, 2));
  CHECK(flow::starts_with("flow", "fl"));
  CHECK(flow::ends_with("flow", "ow"));
  CHECK(flow::replace("a.b.c", ".", "::") == "a::b::c");
  CHECK(flow::replace("abc", "", "x") == "abc");
  CHECK(flow::append(std::vector<std::int64_t>{1}, 2) == std::vector<std::int64_t>{1, 2});
  CHECK(flow::min(3, 2) == 2);
  CHECK(flow::max(1.5, 2.5) == 2.5);
  CHECK(flow::min(std::chrono::nanoseconds(2s), std::chrono::nanoseconds(1500ms)) == 1500ms);
}

TEST_CASE("hash is stable across runs", "[builtins]") {
  // FNV-1a 64 of the nested printed form; these values must never change.
  CHECK(flow::hash(std::string("")) == flow::hashBytes("\"\""));
  CHECK(flow::hashBytes("") == static_cast<std::int64_t>(14695981039346656037ULL));
  CHECK(flow::hash(std::int64_t{1}) == flow::hashBytes("1"));
  CHECK(flow::hash(std::string("a")) != flow::hash(std::string("b")));
}

TEST_CASE("read_lines yields each line and fails the item on a missing file", "[builtins]") {
  const std::string path = "flow_read_lines_test.txt";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("one\ntwo\n\nthree", f);
    std::fclose(f);
  }
  std::vector<std::string> lines;
  for (const std::string& line : flow::read_lines(path)) lines.push_back(line);
  std::remove(path.c_str());
  CHECK(lines == std::vector<std::string>{"one", "two", "", "three"});
  CHECK(failureOf([] { (void)flow::read_lines("/nonexistent/flow"); }) ==
        "cannot open /nonexistent/flow: No such file or directory");
}
