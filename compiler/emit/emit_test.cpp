// emit/emit_test.cpp — the program `flowc test` builds and runs
// (docs/language.md, "Testing pipelines"): for each test of one pipeline, a
// build function wiring the part of the pipeline the test runs, and a
// function that sets the test's params, workers and deadline, runs it on the
// virtual clock (flow/testing.h) and checks its expectations; main() runs
// them all with flow::testing::Suite.
//
// Which stages run (planTest): the writers of the channels the test writes
// (`input`) and the readers of the channels it reads (`output`) do not; then,
// until nothing changes, neither does a stage whose every input has lost all
// its writers (it would only see closed channels) or whose every output has
// lost all its readers (what it sends would go nowhere). A channel that
// still has writers in the run but no reader is read by the test, as an
// `output` is; an `input` port the test does not write is closed empty. The
// test's writer is a source that sends the items in order, its reader a sink
// that drops them: what arrives is recorded by a tap on the channel
// (ChannelBase::setTap), for every channel an expectation reads.
#include <llvm/Support/Casting.h>

#include <set>

#include "emit/emit_internal.h"
#include "emit/emit_shared.h"

namespace flow::emit {
namespace {

using llvm::cast;
using llvm::dyn_cast;

/// What one test runs.
struct TestPlan {
  std::vector<bool> runs;                // per stage of the graph
  std::vector<const ast::TestStmt*> in;  // `input` statements, by channel index (null: none)
  std::vector<bool> fedEmpty;            // an `input` port the test leaves empty
  std::vector<bool> drained;             // read by the test (`output`, or no reader left)
  std::set<int> tapped;                  // channels an expectation reads, and the drained ones
};

void collectTapped(const ast::Expr& e, const ir::Graph& g, std::set<int>& out) {
  if (auto* n = dyn_cast<ast::NameExpr>(&e)) {
    if (n->ref.kind == ast::NameRef::Kind::TestChannel)
      out.insert(g.channelIndex(static_cast<const ast::ChannelDecl*>(n->ref.decl)));
    return;
  }
  if (auto* f = dyn_cast<ast::FieldExpr>(&e)) {
    if (auto* n = dyn_cast<ast::NameExpr>(f->base.get());
        n && (n->ref.kind == ast::NameRef::Kind::TestChannel || n->ref.kind == ast::NameRef::Kind::TestStage))
      return;  // a counter, read from the report
    collectTapped(*f->base, g, out);
  } else if (auto* x = dyn_cast<ast::IndexExpr>(&e)) {
    collectTapped(*x->base, g, out);
    collectTapped(*x->index, g, out);
  } else if (auto* x = dyn_cast<ast::CallExpr>(&e)) {
    for (const auto& a : x->args) collectTapped(*a, g, out);
  } else if (auto* x = dyn_cast<ast::UnaryExpr>(&e)) {
    collectTapped(*x->operand, g, out);
  } else if (auto* x = dyn_cast<ast::BinaryExpr>(&e)) {
    collectTapped(*x->lhs, g, out);
    collectTapped(*x->rhs, g, out);
  } else if (auto* x = dyn_cast<ast::ListLit>(&e)) {
    for (const auto& el : x->elements) collectTapped(*el, g, out);
  } else if (auto* x = dyn_cast<ast::RecordLit>(&e)) {
    for (const auto& fi : x->fields) collectTapped(*fi.value, g, out);
  } else if (auto* x = dyn_cast<ast::StringLit>(&e)) {
    for (const auto& p : x->pieces)
      if (p.expr) collectTapped(*p.expr, g, out);
  }
}

TestPlan planTest(const ast::TestDecl& t, const ir::Graph& g) {
  const std::size_t nc = g.channels().size(), ns = g.stages().size();
  TestPlan plan;
  plan.runs.assign(ns, true);
  plan.in.assign(nc, nullptr);
  plan.fedEmpty.assign(nc, false);
  plan.drained.assign(nc, false);
  auto index = [&](const std::string& name) {
    for (std::size_t c = 0; c < nc; ++c)
      if (g.channels()[c].name == name) return static_cast<int>(c);
    return -1;
  };
  for (const ast::TestStmt& s : t.stmts) {
    if (s.kind == ast::TestStmt::Kind::Input && index(s.name.name) >= 0) plan.in[index(s.name.name)] = &s;
    if (s.kind == ast::TestStmt::Kind::Output)
      for (const ast::Ident& id : s.names)
        if (index(id.name) >= 0) plan.drained[index(id.name)] = true;
    if (s.kind == ast::TestStmt::Kind::Expect && s.value) collectTapped(*s.value, g, plan.tapped);
  }
  for (std::size_t c = 0; c < nc; ++c) {
    const ir::Channel& ch = g.channels()[c];
    if (plan.in[c])
      for (int w : ch.writers) plan.runs[w] = false;
    if (plan.drained[c])
      for (int r : ch.readers) plan.runs[r] = false;
  }
  auto liveWriters = [&](std::size_t c) {
    return plan.in[c] != nullptr || plan.fedEmpty[c] ||
           std::any_of(g.channels()[c].writers.begin(), g.channels()[c].writers.end(),
                       [&](int w) { return plan.runs[w]; });
  };
  auto liveReaders = [&](std::size_t c) {
    return plan.drained[c] || std::any_of(g.channels()[c].readers.begin(), g.channels()[c].readers.end(),
                                          [&](int r) { return plan.runs[r]; });
  };
  for (std::size_t c = 0; c < nc; ++c) {
    // The pipeline's ports: the test is the host that writes and reads them.
    if (g.channels()[c].role == ast::ChannelRole::Input && !plan.in[c]) plan.fedEmpty[c] = true;
    if (g.channels()[c].role == ast::ChannelRole::Output) plan.drained[c] = true;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < ns; ++i) {
      const ir::Stage& st = g.stages()[i];
      if (!plan.runs[i]) continue;
      const bool starved = !st.inputs.empty() && std::none_of(st.inputs.begin(), st.inputs.end(),
                                                              [&](int c) { return liveWriters(c); });
      const bool unheard = !st.outputs.empty() && std::none_of(st.outputs.begin(), st.outputs.end(),
                                                               [&](int c) { return liveReaders(c); });
      if (starved || unheard) {
        plan.runs[i] = false;
        changed = true;
      }
    }
  }
  for (std::size_t c = 0; c < nc; ++c) {
    const bool writers = std::any_of(g.channels()[c].writers.begin(), g.channels()[c].writers.end(),
                                     [&](int w) { return plan.runs[w]; });
    if ((writers || plan.in[c]) && !liveReaders(c)) plan.drained[c] = true;
    if (plan.drained[c]) plan.tapped.insert(static_cast<int>(c));
  }
  return plan;
}

/// `file:line` of `range` (the file as flowc was given it).
std::string whereOf(const Emitter& em, SourceRange range) {
  if (!em.options.sources || !range.isValid()) return em.options.flowFile;
  const llvm::SourceMgr& sm = *em.options.sources;
  unsigned buffer = sm.FindBufferContainingLoc(range.begin);
  return sm.getMemoryBuffer(buffer)->getBufferIdentifier().str() + ":" + std::to_string(em.lineOf(range));
}

/// The text of `r` on one line: a line break and the indentation after it
/// become one space.
std::string textOf(SourceRange r) {
  if (!r.isValid() || !r.end.isValid()) return "";
  std::string out;
  for (const char* p = r.begin.getPointer(); p < r.end.getPointer(); ++p) {
    if (*p == '\r') continue;
    if (*p != '\n') {
      out += *p;
      continue;
    }
    while (p + 1 < r.end.getPointer() && (p[1] == ' ' || p[1] == '\t')) ++p;
    out += ' ';
  }
  return out;
}

void emitTestBuild(const Emitter& em, CppWriter& w, const ast::TestDecl& t, const TestPlan& plan, int n) {
  const ir::Graph& g = em.graph;
  const std::string num = std::to_string(n);
  w.line("// What test \"" + t.name + "\" (" + whereOf(em, t.range) + ") records.");
  w.line("struct Taps_" + num + " {");
  w.indent();
  for (int c : plan.tapped)
    w.line("const std::vector<" + em.names.type(g.channels()[c].elementType) + ">* " +
           channelVar(g.channels()[c].name) + " = nullptr;");
  w.dedent();
  w.line("};");
  w.line("");
  const ast::PipelineDecl& p = g.pipeline();
  w.line("// The part of the pipeline test " + num + " runs, with the test as writer and reader.");
  w.line("inline void build_test_" + num + "(flow::Pipeline& pl, [[maybe_unused]] const Params& P, " +
         "[[maybe_unused]] flow::testing::Run& t, [[maybe_unused]] Taps_" + num + "& taps) {");
  w.indent();
  Scope constScope{em};
  if (p.deadline) w.line("pl.setDeadline(" + lowerAs(constScope, *p.deadline, nullptr) + ");");
  if (p.monitor) w.line("pl.setMonitor(" + lowerAs(constScope, *p.monitor, nullptr) + ");");
  for (const ir::Channel& ch : g.channels()) emitChannelDecl(em, w, ch, /*hostPorts=*/false);
  for (int c : plan.tapped) {
    const std::string var = channelVar(g.channels()[c].name);
    w.line("taps." + var + " = &t.tap(" + var + ");");
  }
  for (std::size_t i = 0; i < g.stages().size(); ++i) {
    if (!plan.runs[i]) continue;
    w.line("");
    emitStage(em, w, g.stages()[i]);
  }
  for (std::size_t c = 0; c < g.channels().size(); ++c) {
    const ir::Channel& ch = g.channels()[c];
    const std::string type = em.names.type(ch.elementType);
    const std::string var = channelVar(ch.name);
    if (const ast::TestStmt* s = plan.in[c]) {
      Scope scope{em};
      w.line("");
      w.line("// `input " + ch.name + " = …`: the test writes these items, in order.");
      w.line("pl.source(" + cppStringLiteral("test input " + ch.name) + ", {}, {&" + var + "},");
      w.indent(2);
      w.line("[&, items = std::vector<" + type + ">(" + lowerAs(scope, *s->value, s->value->type) +
             ")](flow::Context& ctx) -> flow::Task {");
      w.indent();
      // Moved in from a named copy: g++ 12 mishandles a temporary with a
      // destructor inside co_await (emit_stmt.cpp).
      w.line("for (const auto& item : items) {");
      w.indent();
      w.line(type + " v = item;");
      w.line("co_await ctx.send(" + var + ", std::move(v));");
      w.dedent();
      w.line("}");
      w.line("co_return;");
      w.dedent();
      w.line("});");
      w.dedent(2);
    } else if (plan.fedEmpty[c]) {
      w.line("pl.source(" + cppStringLiteral("test input " + ch.name) + ", {}, {&" + var +
             "}, [](flow::Context&) -> flow::Task { co_return; });");
    }
    if (plan.drained[c])
      w.line("pl.sink<" + type + ">(" + cppStringLiteral("test output " + ch.name) + ", {}, {&" + var +
             "}, [](flow::Context&, " + type + ") {});");
  }
  w.dedent();
  w.line("}");
  w.line("");
}

void emitExpect(const Emitter& em, CppWriter& w, const ast::TestStmt& s) {
  TestNames names;
  Scope scope{em};
  scope.test = &names;
  const std::string line = std::to_string(em.lineOf(s.range));
  const std::string text = cppStringLiteral(textOf(s.value->range) + (s.anyOrder ? " in any order" : ""));
  const auto* cmp = dyn_cast<ast::BinaryExpr>(s.value.get());
  static const std::pair<ast::BinaryOp, const char*> kComparisons[] = {
      {ast::BinaryOp::Eq, "=="}, {ast::BinaryOp::Ne, "!="}, {ast::BinaryOp::Lt, "<"},
      {ast::BinaryOp::Le, "<="}, {ast::BinaryOp::Gt, ">"},  {ast::BinaryOp::Ge, ">="}};
  const char* op = nullptr;
  for (const auto& [o, spelled] : kComparisons)
    if (cmp && cmp->op == o) op = spelled;
  if (s.anyOrder && cmp) {
    w.line("t.expectSameItems(" + line + ", " + text + ", " + lowerAs(scope, *cmp->lhs, cmp->lhs->type) +
           ", " + lowerAs(scope, *cmp->rhs, cmp->lhs->type) + ");");
  } else if (op) {
    w.line("t.expectCompare(" + line + ", " + text + ", " + lowerExpr(scope, *cmp->lhs) + ", " +
           lowerExpr(scope, *cmp->rhs) + ", \"" + op + "\", " + lowerExpr(scope, *s.value) + ");");
  } else {
    w.line("t.expectTrue(" + line + ", " + text + ", " + lowerExpr(scope, *s.value) + ");");
  }
}

void emitTestRun(const Emitter& em, CppWriter& w, const ast::TestDecl& t, int n) {
  const std::string num = std::to_string(n);
  w.line("// test \"" + t.name + "\" (" + whereOf(em, t.range) + ")");
  w.line("inline void run_test_" + num + "(flow::testing::Run& t) {");
  w.indent();
  w.line("Params P;");
  Scope scope{em};
  for (const ast::TestStmt& s : t.stmts)
    if (s.kind == ast::TestStmt::Kind::Param)
      for (const auto& param : em.graph.pipeline().params)
        if (param->name.name == s.name.name)
          w.line("P." + em.names.param(param.get()) + " = " + lowerAs(scope, *s.value, param->type.resolved) +
                 ";");
  w.line("flow::Pipeline pl;");
  w.line("Taps_" + num + " taps;");
  w.line("build_test_" + num + "(pl, P, t, taps);");
  for (const ast::TestStmt& s : t.stmts) {
    if (s.kind == ast::TestStmt::Kind::Workers)
      w.line("pl.overrideWorkers(" + cppStringLiteral(s.name.name) + ", " +
             lowerAs(scope, *s.value, nullptr) + ");");
    if (s.kind == ast::TestStmt::Kind::Deadline)
      w.line("pl.overrideDeadline(" + lowerAs(scope, *s.value, nullptr) + ");");
  }
  w.line("t.run(pl);");
  w.line("if (t.failed()) return;  // the run itself went wrong: nothing to compare");
  for (const ast::TestStmt& s : t.stmts)
    if (s.kind == ast::TestStmt::Kind::Expect && s.value) emitExpect(em, w, s);
  w.dedent();
  w.line("}");
  w.line("");
}

}  // namespace

std::string emitTestProgram(const ast::Module& module, const ir::Graph& graph, const EmitOptions& options) {
  Emitter em(module, graph, options);
  // No `#line`: a test's lines may be in another file than the pipeline's.
  CppWriter w;
  emitProgramHead(em, w, "flowc test", "flow/testing.h");
  for (const auto& st : graph.pipeline().stages) emitStateStruct(em, w, *st);
  std::vector<const ast::TestDecl*> tests;
  for (const auto& t : module.tests)
    if (t->pipeline == &graph.pipeline()) tests.push_back(t.get());
  for (std::size_t i = 0; i < tests.size(); ++i) {
    emitTestBuild(em, w, *tests[i], planTest(*tests[i], graph), static_cast<int>(i + 1));
    emitTestRun(em, w, *tests[i], static_cast<int>(i + 1));
  }
  w.line("}  // namespace " + em.names.ns());
  w.line("");
  w.line("int main(int argc, char** argv) {");
  w.indent();
  w.line("flow::testing::Suite suite(argc, argv);");
  for (std::size_t i = 0; i < tests.size(); ++i)
    w.line("suite.test(" + cppStringLiteral(tests[i]->name) + ", " +
           cppStringLiteral(whereOf(em, tests[i]->range)) + ", " + em.names.ns() + "::run_test_" +
           std::to_string(i + 1) + ");");
  w.line("return suite.finish();");
  w.dedent();
  w.line("}");
  return w.take();
}

}  // namespace flow::emit
