// ast/ast.h — the abstract syntax tree of a .flow file. Built by parse/ from
// the ANTLR parse tree (ANTLR types never appear here), every node carries the
// SourceRange of the text it came from. Sema fills the `// sema:` annotation
// fields in place (types, resolved declarations); emit reads them. The tree
// does not check anything itself; sema/ does.
//
// Ownership: a Module owns its declarations; each node owns its children
// through std::unique_ptr. Annotation pointers are non-owning and point into
// the same Module (or into the TypeContext).
//
// RTTI: nodes have a `kind` and LLVM-style classof, so use llvm::isa,
// llvm::cast and llvm::dyn_cast from <llvm/Support/Casting.h>.

#pragma once

#include <string_view>

#include "ast/expr.h"
#include "ast/node.h"
#include "ast/stmt.h"

namespace flow::ast {

struct FieldDecl {
  Ident name;
  TypeRef type;
  ExprPtr defaultValue;  // may be null
};

/// `type Name { field: T [= default] … }`
struct TypeDecl {
  std::string name;
  SourceRange nameRange;
  SourceRange range;
  std::vector<FieldDecl> fields;
  bool hasSyntaxError = false;  // parse: sema checks nothing in it (its fields may be missing)
};

/// `const NAME = expr`
struct ConstDecl {
  Ident name;
  ExprPtr value;
  SourceRange range;
  bool hasSyntaxError = false;  // parse: sema gives it the error type
};

/// A parameter of an extern function or a Flow function: `name: T`.
struct FnParam {
  Ident name;
  TypeRef type;
};
using ExternParam = FnParam;

/// `fn name(p: T, …) -> R` inside an extern block; no `-> R` means void.
struct ExternFn {
  Ident name;
  std::vector<ExternParam> params;
  std::optional<TypeRef> result;
  SourceRange range;
  std::string header;           // the block's header, copied for convenience
  bool hasSyntaxError = false;  // parse: its block has one; calls of it are not checked
};

/// `extern "header.hpp" { fn … }`
struct ExternBlock {
  std::string header;
  SourceRange headerRange;
  std::vector<ExternFn> fns;
  SourceRange range;
  bool hasSyntaxError = false;  // parse: calls of its functions are not checked
};

/// `fn name(p: T, …) -> R { … }` at the top level: a Flow function. No
/// `-> R` means it returns nothing. Its parameters are read-only.
struct FnDecl {
  Ident name;
  std::vector<FnParam> params;
  std::optional<TypeRef> result;
  Block body;
  SourceRange range;
  // sema: true when the function can reach itself through calls (directly
  // or through other functions); its generated code then checks the stack.
  bool isRecursive = false;
};

/// `param n: int = 100`; no default makes the flag required.
struct ParamDecl {
  Ident name;
  TypeRef type;
  ExprPtr defaultValue;  // may be null
  SourceRange range;
  bool hasSyntaxError = false;  // parse: declared, not checked
};

enum class ChannelRole { Internal, Input, Output };  // channel / input / output
enum class Overflow { Block, DropNewest, DropOldest };

/// `channel ch: T[cap] [overflow P]`, `input ch: T[cap]`, `output ch: T[cap]`.
struct ChannelDecl {
  Ident name;
  ChannelRole role = ChannelRole::Internal;
  TypeRef elementType;
  ExprPtr capacity;
  Overflow overflow = Overflow::Block;
  SourceRange overflowRange;  // invalid when not written
  SourceRange range;
  bool hasSyntaxError = false;  // parse: declared, not checked
};

enum class OnError { Drop, Stop, Route };

/// One attribute as written; sema checks each appears at most once.
struct StageAttr {
  enum class Kind { Workers, Timeout, Retry, OnError, Ordered, Key };
  Kind kind;
  ExprPtr value;    // Workers: N; Timeout: D; Retry: N; Key: the key over the item
  ExprPtr backoff;  // Retry: optional D
  OnError onError = OnError::Drop;
  std::optional<Ident> routeChannel;  // OnError Route
  SourceRange range;
};

/// `source name -> outs ATTRS { }`, `stage name(x from ins) -> outs ATTRS { }`,
/// `sink name(x from ins) ATTRS { }`.
struct StageDecl {
  enum class Kind { Source, Stage, Sink };
  Kind kind;
  Ident name;
  std::optional<Ident> item;   // the name before `from` (stage, sink)
  std::vector<Ident> inputs;   // channels after `from`
  ExprPtr batchSize;           // `batch N` after the inputs (may be null)
  ExprPtr batchWithin;         // `within D` after it (may be null)
  SourceRange batchRange;      // `batch N [within D]`, when written
  std::vector<Ident> outputs;  // channels after `->`
  std::vector<StageAttr> attrs;
  Block body;
  SourceRange range;
  /// parse: a syntax error was reported inside it (header or body). Sema
  /// declares its name and checks nothing else in it, so one mistake is
  /// reported once, by the parser.
  bool hasSyntaxError = false;

  // sema: resolved wiring
  std::vector<const ChannelDecl*> inputChannels;
  std::vector<const ChannelDecl*> outputChannels;
  const ChannelDecl* routeChannel = nullptr;
  const Type* itemType = nullptr;  // the input channels' element type (also with `batch`)
  const Expr* key = nullptr;       // the `key` attribute's expression, if any
};

/// One member of a pipeline, in source order.
struct PipelineMember {
  enum class Kind { Param, Deadline, Monitor, Channel, Stage };
  Kind kind;
  ParamDecl* param = nullptr;
  ChannelDecl* channel = nullptr;
  StageDecl* stage = nullptr;
  Expr* expr = nullptr;  // Deadline / Monitor
  SourceRange range;
};

struct PipelineDecl {
  Ident name;
  std::vector<std::unique_ptr<ParamDecl>> params;
  std::vector<std::unique_ptr<ChannelDecl>> channels;  // channel, input and output
  std::vector<std::unique_ptr<StageDecl>> stages;      // source, stage and sink
  ExprPtr deadline;                                    // may be null
  SourceRange deadlineRange;
  ExprPtr monitor;  // may be null
  SourceRange monitorRange;
  std::vector<PipelineMember> members;  // everything above, in source order (non-owning)
  SourceRange range;
  bool hasSyntaxError = false;  // parse: somewhere inside it
  /// parse: a member could not be read at all, or its name could not, so a
  /// name the rest of the pipeline uses may be missing: sema does not report
  /// unknown channels here.
  bool lostMember = false;
};

/// One statement of a test (docs/language.md, "Testing pipelines").
struct TestStmt {
  enum class Kind {
    Param,     // `param NAME = value`: the param's value for this run
    Workers,   // `workers STAGE = n`: the stage's worker count
    Deadline,  // `deadline d`: the run's deadline
    Input,     // `input CH = [items]`: the test writes CH; its writers do not run
    Output,    // `output CH, …`: the test reads CH; its readers do not run
    Expect,    // `expect cond [in any order]`
  };
  Kind kind;
  Ident name;                // Param, Workers, Input: what is set
  std::vector<Ident> names;  // Output
  ExprPtr value;             // Param, Workers, Deadline, Input: the value; Expect: the condition
  bool anyOrder = false;     // Expect: `in any order` (the condition is `list == list`)
  SourceRange range;
};

/// `test "name" [for PIPELINE] { … }`.
struct TestDecl {
  std::string name;
  SourceRange nameRange;              // the string literal
  std::optional<Ident> pipelineName;  // `for NAME`
  std::vector<TestStmt> stmts;
  SourceRange range;
  bool hasSyntaxError = false;             // parse: sema checks nothing in it
  const PipelineDecl* pipeline = nullptr;  // sema: the pipeline it runs
};

/// One .flow file.
struct Module {
  std::string fileName;
  std::vector<std::unique_ptr<TypeDecl>> types;
  std::vector<std::unique_ptr<ConstDecl>> consts;
  std::vector<std::unique_ptr<ExternBlock>> externs;
  std::vector<std::unique_ptr<FnDecl>> fns;
  std::vector<std::unique_ptr<PipelineDecl>> pipelines;
  std::vector<std::unique_ptr<TestDecl>> tests;
  /// parse: a top-level declaration could not be read (or its name could
  /// not), so sema does not report unknown types and functions.
  bool lostDecl = false;
  TypeContext typeContext;  // owns the sema types of this module
};

/// The test file of `dir/NAME.flow`: `dir/NAME_test.flow` (docs/language.md,
/// "Testing pipelines"). Only spells the name; does not look at the disk.
[[nodiscard]] std::string testFileFor(std::string_view flowFile);
/// `dir/NAME.flow` when `path` is a test file `dir/NAME_test.flow`, else "".
[[nodiscard]] std::string subjectOfTestFile(std::string_view path);
/// Moves every declaration of `from` (a test file) into `into` (the file it
/// tests), after those `into` has: the two are checked as one module.
void appendDeclarations(Module& into, Module& from);

}  // namespace flow::ast
