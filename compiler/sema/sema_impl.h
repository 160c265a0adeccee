// sema/sema_impl.h — the Sema class shared by the files of sema/ (never
// included outside it). One Sema checks one Module: it owns the name tables
// (module, pipeline, body scopes) and the per-phase state, and each .cpp of
// this folder implements one construct's member functions (scope.cpp,
// check_types.cpp, const_eval.cpp, check_expr.cpp, builtins.cpp,
// check_stmt.cpp, check_pipeline.cpp, check_graph.cpp, warnings.cpp). It
// does not print anything: diagnostics go to the DiagnosticEngine.
//
// Invariants:
//   - every Expr that checkExpr() visited has a non-null `type`; it is the
//     Error type exactly when a diagnostic was already reported for it (or
//     for something it depends on), so follow-on checks stay silent;
//   - every lookup table maps a name to the FIRST declaration of it; later
//     duplicates are reported and ignored.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <llvm/Support/Casting.h>

#include "ast/ast.h"
#include "diag/diagnostics.h"

namespace flow::sema {

/// A value computed at compile time (const_eval.cpp).
struct ConstValue {
  enum class Kind { Int, Float, Bool, String, Duration };
  Kind kind = Kind::Int;
  std::int64_t i = 0;  // Int, Bool (0/1), Duration (nanoseconds)
  double f = 0;
  std::string s;
};

/// What constant evaluation found out about an expression.
///   Known:   the value is known now (`value` holds it);
///   Runtime: a valid constant expression whose value is known only once the
///            params are parsed (or one we do not fold, e.g. interpolation);
///   Invalid: not a constant expression (reported when asked to), or an
///            error was already reported inside it.
struct ConstResult {
  enum class State { Known, Runtime, Invalid };
  State state = State::Invalid;
  ConstValue value;
  [[nodiscard]] bool isKnown() const { return state == State::Known; }
};

/// Where an expression is being checked: which names it may use.
enum class ExprContext {
  Module,    // const values and field defaults: literals and consts only
  Pipeline,  // capacities, attributes, deadline, monitor: consts and params
  Body,      // stage bodies: everything
  Test,      // a test's `expect`: the test scope (check_test.cpp), consts, functions
};

/// A name declared inside a body (local, for variable, state, item, worker).
struct LocalInfo {
  std::string_view name;
  ast::NameRef::Kind kind;
  const void* decl;  // see ast::NameRef::decl
  const ast::Type* type;
  SourceRange range;       // the name at its declaration
  bool isMutable = false;  // `var` and `state`
  bool used = false;
  bool warnUnused = false;  // let/var/state (not loop variables, the item or worker)
  bool hidden = false;      // the item and per-item locals while checking `finally`
};

/// A member of the current pipeline: params, channels and stages share one
/// namespace (they are all named on the generated program's command line or
/// in its report).
struct MemberInfo {
  enum class Kind { Param, Channel, Stage };
  Kind kind;
  ast::ParamDecl* param = nullptr;
  ast::ChannelDecl* channel = nullptr;
  ast::StageDecl* stage = nullptr;
  SourceRange range;  // the name at its declaration
  bool used = false;  // params: read by some expression
};

struct ConstInfo {
  enum class State { Unchecked, Checking, Done };
  ast::ConstDecl* decl;
  State state = State::Unchecked;
  ConstResult result;
};

class Sema {
 public:
  Sema(ast::Module& module, DiagnosticEngine& diags);
  /// Checks the whole module; true when no error was reported.
  bool run();

 private:
  using Type = ast::Type;

  // ---- scope.cpp: module-level declarations, body scopes, lookups
  void declareModule();
  void pushScope();
  void popScope();
  LocalInfo* declareLocal(std::string_view name, SourceRange range, ast::NameRef::Kind kind, const void* decl,
                          const Type* type, bool isMutable, bool warnUnused);
  LocalInfo* lookupLocal(std::string_view name);
  [[nodiscard]] std::vector<std::string> visibleValueNames() const;
  void reportDuplicate(std::string_view what, std::string_view name, SourceRange here, SourceRange first);
  std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates) const;

  // ---- check_types.cpp: written types and record declarations
  const Type* resolveType(ast::TypeRef& ref);
  /// `Name<T>`: only `Failed<T>` exists.
  const Type* resolveGeneric(ast::TypeRef& ref);
  void checkTypeDecls();
  void checkRecursiveRecords();
  const ast::FieldDecl* findField(const ast::TypeDecl& decl, std::string_view name) const;
  bool isErrorish(const Type* t) const;
  /// Reports UnsupportedMapKey for a map key of type `key` written at `range`.
  void reportMapKey(const Type* key, SourceRange range);
  /// Reports TypeMismatch unless `got` fits `want`; `what` starts the message.
  bool expectType(const Type* want, ast::Expr* expr, const std::string& what);

  // ---- const_eval.cpp: consts, constant expressions
  void checkConsts();
  ConstInfo* ensureConstChecked(std::string_view name);
  ConstResult evalConst(const ast::Expr* expr, bool report);
  /// Type-checks `expr` (expecting `want`, when non-null) in a constant
  /// context and evaluates it; reports a non-constant part.
  ConstResult checkConstExpr(ast::Expr* expr, const Type* want, ExprContext ctx, const std::string& what);
  /// Reports NonPositiveDuration when `r` is a known duration <= 0.
  void requirePositiveDuration(const ConstResult& r, const ast::Expr* expr, std::string_view what);

  // ---- check_expr.cpp
  /// Null-safe: a missing expression (after a syntax error) is the Error type.
  const Type* checkExpr(ast::Expr* expr, const Type* expected = nullptr);
  const Type* checkName(ast::NameExpr& e);
  const Type* checkField(ast::FieldExpr& e);
  /// `f.item`, `f.error`, `f.stage`, `f.attempts` on a `Failed<T>`.
  const Type* checkFailedField(ast::FieldExpr& e, const Type* failed);
  const Type* checkIndex(ast::IndexExpr& e);
  const Type* checkUnary(ast::UnaryExpr& e);
  const Type* checkBinary(ast::BinaryExpr& e);
  const Type* binaryResult(ast::BinaryOp op, const Type* l, const Type* r) const;
  const Type* checkList(ast::ListLit& e, const Type* expected);
  /// check_maps.cpp: map literals and the map built-ins.
  const Type* checkMap(ast::MapLit& e, const Type* expected);
  const Type* checkMapBuiltin(ast::CallExpr& e, ast::Builtin b);
  const Type* checkRecordLit(ast::RecordLit& e);
  const Type* checkString(ast::StringLit& e);
  /// Reports FormatSpecMismatch for the parts of `spec` a `t` cannot take.
  void checkFormatSpec(const ast::FormatSpec& spec, const Type* t);
  /// checkExpr + reports a `void` call used as a value.
  const Type* checkValue(ast::Expr* expr, const Type* expected = nullptr);

  // ---- builtins.cpp
  const Type* checkCall(ast::CallExpr& e);
  const Type* checkBuiltin(ast::CallExpr& e, ast::Builtin b);
  const Type* checkExternCall(ast::CallExpr& e, const ast::ExternFn& fn);
  /// `sort_by(xs, key)`: `key` names an `fn` from the element type to a sortable type.
  const Type* checkSortBy(ast::CallExpr& e);
  bool checkArgCount(ast::CallExpr& e, std::size_t min, std::size_t max);
  /// `from_json`'s first argument: a type written as an expression.
  /// Reports NotAType (or UnknownType); sets CallExpr::typeArg.
  const Type* checkTypeArg(ast::CallExpr& call, ast::Expr& arg);

  /// Checks the arguments of a call of a function with `params` (an extern
  /// or a Flow function); mistakes get a note with the signature.
  void checkCallArgs(ast::CallExpr& e, const std::vector<ast::FnParam>& params,
                     const std::optional<ast::TypeRef>& result, SourceRange declared);

  // ---- check_fn.cpp: Flow functions
  void declareFns();
  void checkFns();
  void checkFnBody(ast::FnDecl& fn);
  void checkReturn(ast::ReturnStmt& s);
  void markRecursiveFns();
  /// Reports NotInFunction when checking a function; `what` names the
  /// construct, e.g. "`emit`". Returns true when it reported.
  bool reportIfInFunction(SourceRange range, const std::string& what);
  /// `fn name(p: T, …) -> R`, for notes.
  std::string signatureOf(std::string_view name, const std::vector<ast::FnParam>& params,
                          const std::optional<ast::TypeRef>& result) const;

  // ---- check_stmt.cpp
  void checkBody(ast::StageDecl& stage);
  /// `key EXPR`: sets StageDecl::key and checks it over the item alone.
  void checkKey(ast::StageDecl& stage);
  /// `every` at `index` of the body: last (or last before `finally`), not in a source.
  void checkEveryPlace(ast::StageDecl& stage, ast::EveryStmt& every, std::size_t index);
  void checkEveryPeriod(ast::EveryStmt& every);
  void checkBlock(ast::Block& block);
  void checkStmt(ast::Stmt& stmt);
  void checkLet(ast::LetStmt& s);
  /// The type of a `let`/`var`/`state` named `name`: the written type when
  /// there is one (the initializer must have it), else the initializer's.
  const Type* checkInit(std::optional<ast::TypeRef>& declType, ast::Expr* init, const std::string& name);
  void checkAssign(ast::AssignStmt& s);
  /// The type of an assignment's (or `delete`'s) target: a `var`/`state`
  /// name or an element `m[k]`/`xs[i]` of one. Reports a read-only name.
  /// `what` names the operation in messages (`=`, `+=`, `delete`).
  /// `declared`, when given, gets a plain name's own type even when it is
  /// read-only, so the value can still be checked against it.
  const Type* checkAssignTarget(ast::Expr* target, const std::string& what, const Type** declared = nullptr);
  void checkFor(ast::ForStmt& s);
  void checkSend(ast::SendStmt& s);
  void checkExprStmt(ast::ExprStmt& s);
  void checkCondition(ast::Expr* cond, std::string_view what);

  // ---- check_pipeline.cpp
  void checkPipeline(ast::PipelineDecl& p);
  void declarePipelineMembers(ast::PipelineDecl& p);
  void checkParam(ast::ParamDecl& param);
  void checkChannel(ast::ChannelDecl& ch);
  void checkStageShape(ast::StageDecl& stage);
  void resolveStageChannels(ast::StageDecl& stage);
  void checkStageAttrs(ast::StageDecl& stage);
  /// `batch N [within D]` on the inputs: constants, N >= 1, D > 0.
  void checkBatch(ast::StageDecl& stage);
  const ast::ChannelDecl* lookupChannel(const ast::Ident& id, std::string_view role);

  // ---- check_test.cpp: `test` blocks
  void checkTests();
  void checkTest(ast::TestDecl& t);
  /// The pipeline a test runs; reports UnknownPipeline and returns null
  /// when there is none to choose or the chosen one does not exist.
  const ast::PipelineDecl* testedPipeline(const ast::TestDecl& t);
  void checkExpect(ast::TestStmt& s);
  void unknownInTest(const ast::Ident& id, const std::string& what, const std::vector<std::string>& names,
                     const ast::PipelineDecl& p);
  /// A name in an `expect`: sets `found` when the test scope has it.
  const Type* checkTestName(ast::NameExpr& e, bool& found);
  /// `stage.counter` or `channel.counter` in an `expect`; `found` when the
  /// base names a stage or a channel.
  const Type* checkTestCounter(ast::FieldExpr& e, bool& found);

  // ---- check_graph.cpp
  void checkGraph(ast::PipelineDecl& p);

  // ---- warnings.cpp: legal but suspicious
  void warnUnusedParams(ast::PipelineDecl& p);
  void warnUselessTimeout(ast::StageDecl& stage, const ast::StageAttr& timeout);
  void warnPartialStatePrinted(const ast::StageDecl& stage);
  void warnOversizedChannels(ast::PipelineDecl& p);

  ast::Module& module_;
  DiagnosticEngine& diags_;
  ast::TypeContext& types_;

  // Module level (first declaration of each name).
  std::unordered_map<std::string_view, ast::TypeDecl*> typeDecls_;
  std::unordered_map<std::string_view, ConstInfo> consts_;
  std::unordered_map<std::string_view, const ast::ExternFn*> externs_;
  std::unordered_map<std::string_view, ast::FnDecl*> fns_;

  // Current pipeline (null between pipelines).
  ast::PipelineDecl* pipeline_ = nullptr;
  std::unordered_map<std::string_view, MemberInfo> members_;

  // Current body (null outside bodies). While a function is checked, fn_
  // is set, stage_ is null and context_ is Body.
  ast::StageDecl* stage_ = nullptr;
  ast::FnDecl* fn_ = nullptr;
  std::unordered_map<const ast::FnDecl*, std::vector<const ast::FnDecl*>> calls_;  // call graph
  ExprContext context_ = ExprContext::Module;
  std::vector<LocalInfo> locals_;         // every local of the body, in declaration order
  std::vector<std::size_t> scopeStarts_;  // locals_[scopeStarts_.back()..] is the innermost scope
  int loopDepth_ = 0;
  bool inFinally_ = false;    // checking `finally` or `every` (outside any item)
  bool inEvery_ = false;      // … and it is `every`
  bool inStateInit_ = false;  // checking a `state` initialiser (it cannot wait)
  bool inKey_ = false;        // checking a stage's `key` (before any worker)
  const ast::CallExpr* readLinesOk_ =
      nullptr;                   // the one read_lines call allowed right now (a `for` iterable)
  bool hadParseErrors_ = false;  // the tree may be partial: skip whole-graph checks

  // The test being checked (null outside tests).
  const ast::PipelineDecl* testPipeline_ = nullptr;
  bool inTest_ = false;  // built-ins that need a running stage are refused
};

/// True for the types a map can be keyed by: int, string, bool.
bool isMapKeyType(const ast::Type* t);

/// The built-in function called `name`, or Builtin::None (builtins.cpp).
ast::Builtin builtinByName(std::string_view name);
/// The name of a built-in function as written in Flow.
std::string_view builtinName(ast::Builtin b);

/// The parser's placeholder for a name error recovery left missing
/// (ast::kErrorName): already diagnosed, so sema reports nothing about it.
inline bool isErrorName(std::string_view name) { return name.empty() || name == ast::kErrorName; }

/// A duration as Go prints it in short form: `0s`, `250ms`, `-2m`.
std::string formatDuration(std::int64_t ns);

/// Spelling of a record field list for messages: "`a`, `b` and `c`".
std::string joinNames(const std::vector<std::string>& names);

}  // namespace flow::sema
