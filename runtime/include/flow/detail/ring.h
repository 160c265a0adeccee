// flow/detail/ring.h — the FIFO buffer inside a channel.
// Grows by doubling up to the channel's capacity on demand (a channel with
// capacity 1,000,000 that never holds more than 10 items costs 16 slots), and
// never shrinks, so a channel in steady state does not allocate per item.
// Not thread-safe: the channel's mutex guards it.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace flow::detail {

template <class T>
class Ring {
 public:
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  void pushBack(T&& v) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = std::move(v);
    ++size_;
  }
  /// Precondition: !empty().
  T popFront() {
    T v = std::move(slots_[head_]);
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
    return v;
  }

 private:
  void grow() {
    std::size_t n = slots_.empty() ? 8 : slots_.size() * 2;
    std::vector<T> next(n);
    for (std::size_t i = 0; i < size_; ++i) next[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    slots_ = std::move(next);
    head_ = 0;
  }
  std::vector<T> slots_;  // size is 0 or a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace flow::detail
