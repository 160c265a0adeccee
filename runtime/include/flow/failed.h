// flow/failed.h — flow::Failed<T>, the dead letter that says why: what a
// stage with `on_error route ch` sends when `ch` carries Failed<T> rather
// than the input type T itself (docs/language.md, "Exit status when items
// fail"). The runtime builds it from the failed item, the failure's message,
// the stage's name and how many times the body ran; a `.flow` program reads
// its fields and never constructs one. It prints like a record
// (`Failed{item: 3, error: "division by zero", stage: "work", attempts: 1}`)
// and compares field by field. Does not route anything itself: stage.cpp
// and detail/stage_runner.h do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "flow/format.h"

namespace flow {

template <class T>
struct Failed {
  T item{};                   // the input item, as the stage received it
  std::string error;          // the message logged for it (`timed out after 100ms`, …)
  std::string stage;          // the stage it failed in
  std::int64_t attempts = 0;  // times the body ran: 1 + the retries it took

  friend bool operator==(const Failed&, const Failed&) = default;
};

/// Printing as a record, found by ADL from flow::str, flow::concat and print.
template <class T>
void flow_format(std::string& out, const Failed<T>& f) {
  out += std::string_view("Failed{item: ");
  format_nested(out, f.item);
  out += std::string_view(", error: ");
  format_nested(out, f.error);
  out += std::string_view(", stage: ");
  format_nested(out, f.stage);
  out += std::string_view(", attempts: ");
  format_nested(out, f.attempts);
  out += '}';
}

}  // namespace flow
