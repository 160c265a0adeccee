// flow/services.h — the built-ins that reach outside the program:
// `http_get`/`http_post` (libcurl, driven by one I/O thread per run that
// resumes the waiting coroutines), `write_line` (one buffered file per path
// per run, lines never interleaved) and `env`. Each failure fails the
// current item with the reason (`HTTP 503 from http://…`, `connection
// refused: http://…`, `cannot open out/x.txt: No such file or directory`).
// The services themselves live in src/http.cpp and src/files.cpp and are
// started by the run on first use (detail::RunService); this header holds
// only what generated code calls. Design: runtime/README.md, "Services".
#pragma once

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "flow/detail/waiter.h"
#include "flow/format.h"
#include "flow/time.h"

namespace flow {

class Context;

/// `env(name, default)`: the environment variable `name`, or `fallback`
/// when it is not set (a variable set to "" is "", as with Go's
/// os.LookupEnv). Thread-safe. Never fails.
[[nodiscard]] std::string env(const std::string& name, const std::string& fallback);

/// `write_line(path, s)`: appends `line` and '\n' to the file `path`
/// ("-" = standard output, shared with print). The run opens the file on
/// first use (created if missing, never truncated: O_APPEND), buffers it,
/// and flushes and closes it when the run ends — also after a deadline or
/// an interrupt; only whole lines are ever written. Lines from concurrent
/// workers never interleave. Fails the item (flow::ItemFailed) if the file
/// cannot be opened or written. Thread-safe.
void write_line(Context& ctx, const std::string& path, std::string_view line);
/// Any other value is written as print() shows it.
template <class T>
void write_line(Context& ctx, const std::string& path, const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    write_line(ctx, path, std::string_view(value));
  } else {
    write_line(ctx, path, std::string_view(str(value)));
  }
}
/// `write_line` in an `fn` (no ctx in scope): the run of the body that
/// called it (Context::current()). Outside any run — a host calling the
/// function directly — no run closes the file, so the line is appended in
/// one write(2) and the file closed at once.
void write_line(const std::string& path, std::string_view line);
template <class T>
void write_line(const std::string& path, const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    write_line(path, std::string_view(value));
  } else {
    write_line(path, std::string_view(str(value)));
  }
}

namespace detail {

enum class HttpOutcome : std::uint8_t { Pending, Done, Failed, TimedOut, Cancelled };

/// One HTTP exchange. It lives in the awaiting coroutine's frame (inside
/// HttpCall), never moves, and is borrowed by the run's I/O thread from
/// submit until that thread finishes `waiter` — after which the I/O thread
/// never touches it again. Fields below `waiter` are written by the I/O
/// thread before the finish and read by the coroutine after it.
struct HttpRequest {
  std::string url;
  std::string body;  // http_post only
  bool post = false;
  Deadline deadline = kNoDeadline;  // the item's, from `timeout`
  Waiter waiter;

  HttpOutcome outcome = HttpOutcome::Pending;
  long status = 0;                 // the HTTP status of a Done exchange
  int code = 0;                    // libcurl's CURLcode of a Failed one
  int osErrno = 0;                 // the OS's errno behind it, if any
  std::array<char, 256> detail{};  // libcurl's message (CURLOPT_ERRORBUFFER, CURL_ERROR_SIZE)
  std::string response;

  void* easy = nullptr;         // I/O thread only: the CURL easy handle
  std::size_t activeIndex = 0;  // I/O thread only: position in the client's in-flight list
};

}  // namespace detail

/// `co_await http_get(ctx, url)` / `co_await http_post(ctx, url, body)`:
/// the response body. Suspends the coroutine, not a thread. Throws
/// ItemFailed on a status >= 400 (`HTTP 503 from URL`) or a connection
/// error (`connection refused: URL`), ItemTimedOut at the item's deadline
/// and RunCancelled when the run is cancelled — in both cases the transfer
/// is aborted and its connection closed at once.
class HttpCall {
 public:
  HttpCall(Context& ctx, std::string url, std::string body, bool post);
  HttpCall(const HttpCall&) = delete;  // the I/O thread holds a pointer into it
  HttpCall& operator=(const HttpCall&) = delete;

  bool await_ready() noexcept;
  bool await_suspend(std::coroutine_handle<> h);
  std::string await_resume();

 private:
  Context& ctx_;
  detail::HttpRequest req_;
  bool holdsClock_ = false;  // virtual clock: this request holds it (flow/time.h)
};

[[nodiscard]] inline HttpCall http_get(Context& ctx, std::string url) {
  return HttpCall(ctx, std::move(url), std::string(), false);
}
/// Sends `body` with `Content-Type: application/json`.
[[nodiscard]] inline HttpCall http_post(Context& ctx, std::string url, std::string body) {
  return HttpCall(ctx, std::move(url), std::move(body), true);
}

}  // namespace flow
