// stage_support.h — pipeline helpers shared by the stage tests: a counting
// source and looking a stage up in a report. Not part of the runtime.
#pragma once

#include <cstdint>
#include <string>

#include <flow/flow.h>
#include <catch2/catch.hpp>

namespace flowtest {

/// Emits 0..n-1 on `out` from one source worker.
inline void addCounter(flow::Pipeline& pl, flow::Channel<std::int64_t>& out, std::int64_t n,
                       const char* name = "gen") {
  pl.source(name, {}, {&out}, [&out, n](flow::Context& ctx) -> flow::Task {
    for (std::int64_t i = 0; i < n; ++i) co_await ctx.send(out, i);
  });
}

/// The stats of the stage called `name` (fails the test if there is none).
inline const flow::StageStats& stageNamed(const flow::Report& r, const std::string& name) {
  for (const auto& s : r.stages) {
    if (s.name == name) return s;
  }
  FAIL("no stage " << name);
  return r.stages.front();
}

}  // namespace flowtest
