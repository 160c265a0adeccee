// flow/task.h — flow::Task, the coroutine type of every stage body, and the
// frame allocator behind it.
// A Task is lazy: nothing runs until it is co_awaited (or spawned by the
// runtime). Awaiting a Task runs it with a plain call; if it finishes
// without suspending, the awaiter continues without suspending either, so a
// loop over items that complete synchronously never grows the native stack
// — even where the compiler cannot turn symmetric transfer into a tail call
// (sanitizer builds, -O0). If the task suspends, whichever of the two sides
// comes second (the awaiter giving up, or the task finishing) resumes the
// awaiter, decided by one atomic flag. An exception escaping
// the body is stored and rethrown in the awaiter. Frames come from a
// per-thread free list (detail::allocFrame), so running one body per item
// does not hit malloc on the hot path. A Task does not schedule itself on any
// thread: see detail/scheduler.h.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <utility>

namespace flow {

namespace detail {
/// Returns storage for a coroutine frame of `size` bytes. Thread-safe (uses
/// a thread-local free list). May allocate.
void* allocFrame(std::size_t size);
/// Returns a frame obtained from allocFrame(size), possibly on another
/// thread. Thread-safe. Never blocks.
void freeFrame(void* frame, std::size_t size) noexcept;
}  // namespace detail

class [[nodiscard]] Task {
 public:
  struct promise_type {
    std::coroutine_handle<> continuation;  // resumed when the body ends
    std::exception_ptr error;              // what escaped the body, if anything
    std::atomic<bool> ready{false};        // set by the first of: finished, awaiter suspended

    Task get_return_object() noexcept {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        promise_type& p = h.promise();
        // Second to arrive: the awaiter is suspended and waits for us.
        if (p.ready.exchange(true, std::memory_order_acq_rel) && p.continuation) return p.continuation;
        return std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }

    static void* operator new(std::size_t size) { return detail::allocFrame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept { detail::freeFrame(frame, size); }
  };

  Task() noexcept = default;
  explicit Task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  Task(Task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  // Awaiting runs the task to completion and rethrows what escaped it.
  bool await_ready() const noexcept { return !h_ || h_.done(); }
  bool await_suspend(std::coroutine_handle<> caller) noexcept {
    h_.promise().continuation = caller;
    h_.resume();
    // First to arrive means the task is still running elsewhere: suspend.
    return !h_.promise().ready.exchange(true, std::memory_order_acq_rel);
  }
  void await_resume() const {
    if (h_ && h_.promise().error) std::rethrow_exception(h_.promise().error);
  }

  /// Releases ownership of the frame (used by the runtime to spawn a task).
  std::coroutine_handle<promise_type> release() noexcept { return std::exchange(h_, {}); }

 private:
  void reset() noexcept {
    if (h_) h_.destroy();
    h_ = {};
  }
  std::coroutine_handle<promise_type> h_;
};

}  // namespace flow
