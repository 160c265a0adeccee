// ast/expr.h — expression nodes of the AST (the expressions of
// docs/language.md, "Stage bodies"), with the `// sema:` annotations sema
// fills. Part of ast.h; include that.
#pragma once

#include "ast/node.h"

namespace flow::ast {

struct Expr {
  enum class Kind {
    IntLit,
    FloatLit,
    BoolLit,
    StringLit,
    DurationLit,
    ListLit,
    MapLit,
    RecordLit,
    Name,
    Field,
    Index,
    Call,
    Unary,
    Binary,
  };
  const Kind kind;
  SourceRange range;
  const Type* type = nullptr;  // sema: never null after a successful check

  virtual ~Expr() = default;

 protected:
  Expr(Kind k, SourceRange r) : kind(k), range(r) {}
};

struct IntLit : Expr {
  std::int64_t value;  // parse: `_` removed, hex decoded, range-checked
  IntLit(std::int64_t v, SourceRange r) : Expr(Kind::IntLit, r), value(v) {}
  static bool classof(const Expr* e) { return e->kind == Kind::IntLit; }
};

struct FloatLit : Expr {
  double value;
  std::string spelling;  // as written, `_` removed (for readable emitted code)
  FloatLit(double v, std::string s, SourceRange r)
      : Expr(Kind::FloatLit, r), value(v), spelling(std::move(s)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::FloatLit; }
};

struct BoolLit : Expr {
  bool value;
  BoolLit(bool v, SourceRange r) : Expr(Kind::BoolLit, r), value(v) {}
  static bool classof(const Expr* e) { return e->kind == Kind::BoolLit; }
};

/// `{x:>10.2}`: how an interpolated value is laid out,
/// `[[fill]align][0][width][.precision][type]` as in Rust's format!. Parse
/// decodes it and reports a malformed one; sema checks it fits the type.
struct FormatSpec {
  std::string text;        // as written after the `:`
  SourceRange range;       // of `text`
  std::string fill = " ";  // one UTF-8 character
  char align = 0;          // 0 (numbers right, everything else left), '<', '^' or '>'
  bool zero = false;       // `0`: zero padding after the sign
  int width = -1;          // -1: none
  int precision = -1;      // `.N`; -1: none
  char type = 0;           // 0, or 'x' 'X' 'o' 'b'
  SourceRange zeroRange, precisionRange, typeRange;  // the parts, for sema's messages
};

/// `"job {r.id} took {t}"`: literal text pieces (escapes decoded, `{{` → `{`)
/// interleaved with interpolated expressions. A plain string has one piece.
struct StringLit : Expr {
  struct Piece {
    std::string text;                // used when expr is null
    ExprPtr expr;                    // an interpolated expression
    std::optional<FormatSpec> spec;  // `{expr:spec}`
  };
  std::vector<Piece> pieces;
  explicit StringLit(SourceRange r) : Expr(Kind::StringLit, r) {}
  /// True when there is no interpolation.
  [[nodiscard]] bool isPlain() const;
  /// The text of a plain string (concatenated pieces).
  [[nodiscard]] std::string plainText() const;
  static bool classof(const Expr* e) { return e->kind == Kind::StringLit; }
};

/// `50ms`, `1.5s`: value converted to whole nanoseconds by the parser.
struct DurationLit : Expr {
  std::int64_t nanoseconds;
  DurationLit(std::int64_t ns, SourceRange r) : Expr(Kind::DurationLit, r), nanoseconds(ns) {}
  static bool classof(const Expr* e) { return e->kind == Kind::DurationLit; }
};

struct ListLit : Expr {
  std::vector<ExprPtr> elements;
  explicit ListLit(SourceRange r) : Expr(Kind::ListLit, r) {}
  static bool classof(const Expr* e) { return e->kind == Kind::ListLit; }
};

/// `{"a": 1, "b": 2}`; `{}` is the empty map (its type comes from context).
struct MapLit : Expr {
  struct Entry {
    ExprPtr key, value;
  };
  std::vector<Entry> entries;
  explicit MapLit(SourceRange r) : Expr(Kind::MapLit, r) {}
  static bool classof(const Expr* e) { return e->kind == Kind::MapLit; }
};

/// `Job{id: i, processed: true}`.
struct RecordLit : Expr {
  struct FieldInit {
    Ident name;
    ExprPtr value;
  };
  Ident typeName;
  std::vector<FieldInit> fields;
  const TypeDecl* decl = nullptr;  // sema
  explicit RecordLit(SourceRange r) : Expr(Kind::RecordLit, r) {}
  static bool classof(const Expr* e) { return e->kind == Kind::RecordLit; }
};

/// What a name refers to; filled by sema.
struct NameRef {
  enum class Kind {
    Unresolved,
    Local,
    Param,
    Const,
    Worker,
    Item,
    State,
    FnParam,
    Function,
    TestChannel,  // in a test's `expect`: a channel, as the list of what arrived on it
    TestStage,    // in a test's `expect`: a stage, only as `stage.counter`
    TestResult,   // in a test's `expect`: `exit_code`, `elapsed` or `printed`
  };
  Kind kind = Kind::Unresolved;
  const void* decl = nullptr;  // Local: LetStmt/ForStmt (the second name of `for k, v`: its Ident);
                               // Param: ParamDecl; Const: ConstDecl;
                               // State: StateStmt; Item: StageDecl; Worker: null;
                               // FnParam: the FnParam of the enclosing function;
                               // Function: the FnDecl a `sort_by` key names (the
                               // only place a function is named without a call);
                               // TestChannel: ChannelDecl; TestStage: StageDecl;
                               // TestResult: null
};

struct NameExpr : Expr {
  std::string name;
  NameRef ref;  // sema
  NameExpr(std::string n, SourceRange r) : Expr(Kind::Name, r), name(std::move(n)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Name; }
};

struct FieldExpr : Expr {
  ExprPtr base;
  Ident field;
  FieldExpr(ExprPtr b, Ident f, SourceRange r)
      : Expr(Kind::Field, r), base(std::move(b)), field(std::move(f)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Field; }
};

struct IndexExpr : Expr {
  ExprPtr base, index;
  IndexExpr(ExprPtr b, ExprPtr i, SourceRange r)
      : Expr(Kind::Index, r), base(std::move(b)), index(std::move(i)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Index; }
};

/// The built-in functions ("Stage bodies" in docs/language.md), resolved by
/// sema from the callee name.
enum class Builtin {
  None,
  Print,
  Eprint,
  Len,
  Str,
  Int,
  Float,
  Upper,
  Lower,
  Trim,
  Split,
  Join,
  Contains,
  StartsWith,
  EndsWith,
  Replace,
  Hash,
  Min,
  Max,
  Abs,
  Append,
  Now,
  ReadLines,
  Sleep,
  Get,
  Has,
  Keys,
  Values,
  Delete,
  ToJson,
  FromJson,
  HttpGet,
  HttpPost,
  WriteLine,
  Env,
  Sort,
  SortBy,
  Reverse,
  RandInt,
  RandFloat,
};

struct CallExpr : Expr {
  Ident callee;
  std::vector<ExprPtr> args;
  Builtin builtin = Builtin::None;     // sema: set for a built-in
  const ExternFn* externFn = nullptr;  // sema: set for an extern function
  const Type* typeArg = nullptr;       // sema: `from_json(T, s)`'s T (its first argument, a type)
  const FnDecl* fn = nullptr;          // sema: set for a Flow function
  CallExpr(Ident c, SourceRange r) : Expr(Kind::Call, r), callee(std::move(c)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Call; }
};

enum class UnaryOp { Neg, Not, BitNot };

struct UnaryExpr : Expr {
  UnaryOp op;
  ExprPtr operand;
  UnaryExpr(UnaryOp o, ExprPtr e, SourceRange r) : Expr(Kind::Unary, r), op(o), operand(std::move(e)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Unary; }
};

enum class BinaryOp {
  Add,
  Sub,
  Mul,
  Div,
  Rem,
  BitAnd,
  BitOr,
  BitXor,
  Shl,
  Shr,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  And,
  Or,
};
[[nodiscard]] const char* spelling(BinaryOp op);
[[nodiscard]] const char* spelling(UnaryOp op);

struct BinaryExpr : Expr {
  BinaryOp op;
  ExprPtr lhs, rhs;
  SourceRange opRange;  // the operator token, for diagnostics
  BinaryExpr(BinaryOp o, ExprPtr l, ExprPtr r, SourceRange opR, SourceRange whole)
      : Expr(Kind::Binary, whole), op(o), lhs(std::move(l)), rhs(std::move(r)), opRange(opR) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Binary; }
};

}  // namespace flow::ast
