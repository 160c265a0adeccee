// flow/errors.h — the exceptions that unwind a stage body.
// flow::ItemFailed is the one user-visible failure (`fail`, run-time errors,
// a throwing extern). ItemTimedOut and RunCancelled are thrown by the
// runtime's own awaitables when an item's deadline passes or the run is
// cancelled; they deliberately do not derive from std::exception so that no
// `catch (const std::exception&)` in user code swallows a cancellation.
// Channel and scheduler internals never throw: they return status values.
#pragma once

#include <stdexcept>
#include <string>

namespace flow {

/// Fails the current item with `what()` as the logged message
/// (docs/language.md, "Errors").
class ItemFailed : public std::runtime_error {
 public:
  explicit ItemFailed(const std::string& message) : std::runtime_error(message) {}
};

/// `fail "msg"` outside a stage body (in a Flow function): fails the
/// calling item.
[[noreturn]] inline void fail(const std::string& message) { throw ItemFailed(message); }

namespace detail {
/// Thrown out of a co_await when the running item's deadline passed.
struct ItemTimedOut {};
/// Thrown out of a co_await when the whole run is being cancelled.
struct RunCancelled {};
}  // namespace detail

}  // namespace flow
