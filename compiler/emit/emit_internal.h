// emit/emit_internal.h — what the emit_*.cpp files share: the Emitter (module,
// graph, options, names) and the Scope that says what a Flow name means in
// the C++ being written (a stage lambda, build(), Params defaults). Not a
// public interface; emit.h is.
#pragma once

#include <map>
#include <set>
#include <string>

#include "ast/ast.h"
#include "emit/cpp_writer.h"
#include "emit/emit.h"
#include "emit/names.h"
#include "ir/graph.h"

namespace flow::emit {

/// Whether `t` (null before sema annotated it) is of kind `k`.
inline bool isKind(const ast::Type* t, ast::Type::Kind k) { return t && t->is(k); }

struct Emitter {
  const ast::Module& module;
  const ir::Graph& graph;
  const EmitOptions& options;
  Names names;

  Emitter(const ast::Module& m, const ir::Graph& g, const EmitOptions& o)
      : module(m), graph(g), options(o), names(m, &g.pipeline()) {}

  /// 1-based line of `range` in the .flow file, 0 when unknown.
  [[nodiscard]] unsigned lineOf(SourceRange range) const;
  /// `#line` to the statement at `range` (when enabled).
  void mapTo(CppWriter& w, SourceRange range) const;
};

/// Facts about a body found by a scan before it is written, so declarations
/// can carry [[maybe_unused]] exactly where a warning would fire.
struct BodyFacts {
  bool usesCtx = false;  // send, sleep, fail, worker, now()
  bool usesItem = false;
  bool usesParams = false;
  bool usesState = false;
  bool hasListLiteral = false;      // g++ 12 cannot co_await over an initializer_list
  bool hasSleep = false;            // `sleep(d)`, `http_get`, `http_post`: the body must be able to suspend
  bool sendInLoop = false;          // a blocking send inside for/while
  bool usesToJson = false;          // to_json(…): records need their encoders
  bool usesFromJson = false;        // from_json(…): records need their decoders
  int loopDepth = 0;                // scan state: loops around the current statement
  std::set<const void*> readDecls;  // LetStmt/ForStmt/StateStmt read at least once
};
void scanBlock(const ast::Block& block, BodyFacts& facts);
void scanStmt(const ast::Stmt& stmt, BodyFacts& facts);
/// A per-item body can be a plain function (no coroutine frame per item)
/// when nothing in it must suspend: no `sleep` or HTTP call, and no blocking send inside
/// a loop. Its sends become Context::post, which defers a send to a full
/// channel until the body returns; without loops that is at most one
/// deferred value per send statement, so memory per item stays bounded by
/// the body's text.
inline bool canBePlain(const BodyFacts& f) { return !f.hasSleep && !f.sendInLoop; }
void scanExpr(const ast::Expr& expr, BodyFacts& facts);
/// A loop body whose every iteration costs a bounded few instructions (no
/// loop, call, send, string, list or record in it) gets its preemption point
/// once per chunk of iterations (strip-mining, as the JVM does for counted
/// loops): a point per iteration would double the cost of a tight loop.
struct LoopBodyCost {
  bool cheap = false;
  bool hasBreak = false;  // a `break` at the body's own level (through ifs)
};
LoopBodyCost loopBodyCost(const ast::Block& body);

/// In a test's expectations (emit_test.cpp): the C++ names of the run and of
/// the struct that holds the recorded channels.
struct TestNames {
  std::string run = "t";      // flow::testing::Run&
  std::string taps = "taps";  // a struct with one `const std::vector<T>*` per recorded channel
};

/// What names mean where code is being written.
struct Scope {
  explicit Scope(const Emitter& e) : em(e) {}
  const Emitter& em;
  bool hasCtx = false;                       // inside a stage lambda (`ctx` exists)
  const ast::StageDecl* stage = nullptr;     // the stage whose body is lowered
  const ast::FnDecl* fn = nullptr;           // the function whose body is lowered
  bool plain = false;                        // lowering a plain (non-coroutine) body
  std::string breakLabel;                    // in a strip-mined loop: `break` is `goto breakLabel;`
  std::map<const void*, std::string> state;  // StateStmt → `st.NAME`
  const BodyFacts* facts = nullptr;
  const TestNames* test = nullptr;  // lowering a test's expectation
  int temps = 0;

  std::string temp() { return "t_" + std::to_string(++temps); }
  [[nodiscard]] bool isRead(const void* decl) const { return !facts || facts->readDecls.count(decl) != 0; }
};

/// Lowers an expression. With `typedTarget`, the result initialises a value
/// of the expression's own C++ type (so `42` and `"x"` may stay bare);
/// otherwise literals are spelled with their exact C++ type
/// (`std::int64_t{42}`, `std::string("x")`) for template deduction.
std::string lowerExpr(Scope& scope, const ast::Expr& expr, bool typedTarget = false);
/// The place an assignment or `delete` writes: a name, `m[k]` (inserting
/// the zero value when missing) or `xs[i]` (checked), as a C++ lvalue.
std::string lowerTarget(Scope& scope, const ast::Expr& target);
/// lowerExpr converted to `to` (int → float is the only implicit conversion).
std::string lowerAs(Scope& scope, const ast::Expr& expr, const ast::Type* to, bool typedTarget = true);
/// `std::chrono::nanoseconds(50'000'000)`.
std::string durationLiteral(std::int64_t ns);
/// `1'000'000` style digits.
std::string groupedDigits(std::int64_t v);

/// Lowers statements [from, to) of `block` into `w`.
void lowerStmts(Scope& scope, CppWriter& w, const ast::Block& block, size_t from, size_t to);
inline void lowerBlock(Scope& scope, CppWriter& w, const ast::Block& block) {
  lowerStmts(scope, w, block, 0, block.stmts.size());
}

/// Records as structs with `==` and flow_format (how a record prints), and
/// their JSON encoders / decoders when the pipeline uses to_json / from_json.
void emitRecords(const Emitter& em, CppWriter& w);
/// Scans every body of the pipeline being emitted.
BodyFacts pipelineFacts(const Emitter& em);
/// `const` declarations (before records: field defaults may use them).
void emitConsts(const Emitter& em, CppWriter& w);
/// The Params struct: one field per `param`, with its default.
void emitParamsStruct(const Emitter& em, CppWriter& w);
/// `inline void build(flow::Pipeline& pl, const Params& P)`; with `ports`
/// (embedding), a third parameter `Ports& ports` receives the host-facing
/// channels, one member per input/output channel in declaration order.
void emitBuild(const Emitter& em, CppWriter& w, const std::vector<std::string>* ports = nullptr);
/// One stage's registration in build(): `pl.stage<…>(name, options, ins,
/// outs, body…);` (emit_pipeline.cpp).
void emitStage(const Emitter& em, CppWriter& w, const ir::Stage& s);
/// The per-worker `state` struct of a stage, if it has state or `finally`.
void emitStateStruct(const Emitter& em, CppWriter& w, const ast::StageDecl& decl);
/// `auto& c_NAME = pl.channel<T>(…);` — for an `input`/`output` port,
/// `pl.input`/`pl.output` unless `hostPorts` is false (a test writes and
/// reads those itself).
void emitChannelDecl(const Emitter& em, CppWriter& w, const ir::Channel& ch, bool hostPorts);
/// The `flow::Program` registration of every param (`prog.param(...)`), with
/// `obj` the Params object's C++ name.
void emitParamRegistration(const Emitter& em, CppWriter& w, const std::string& prog, const std::string& obj);
/// The Flow functions (emit_fns.cpp): every function's declaration, and the
/// definitions of the small ones as `inline`, for the shared block.
void emitFnDecls(const Emitter& em, CppWriter& w);
/// The definitions of the functions emitFnDecls left out-of-line, for the
/// one translation unit that defines them (the program, or the embedding
/// source), inside the generated namespace.
void emitFnDefs(const Emitter& em, CppWriter& w);
/// The text between the banner and the namespace: includes.
void emitIncludes(const Emitter& em, CppWriter& w, bool externHeaders);

}  // namespace flow::emit
