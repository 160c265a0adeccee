// score.cpp — defines score() for tests/lit/run/stdin_extern.flow. Also
// checks that extern code can reach the running item's context.
#include "score.hpp"

#include <flow/flow.h>

#include <stdexcept>

std::int64_t score(const std::string& word) {
  if (flow::Context::current() == nullptr) throw std::logic_error("no current context");
  if (word == "bad") throw std::invalid_argument("no score for `" + word + "`");
  return static_cast<std::int64_t>(word.size());
}
