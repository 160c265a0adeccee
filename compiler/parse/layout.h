// parse/layout.h — a file's tokens as `flowc fmt` and editors see them: every
// token the parser reads, plus the comments, each with the part it plays in
// the syntax (its Role), read off the parse tree. A printer lays the file out
// from these without knowing ANTLR or the grammar: a new construct only needs
// its tokens' roles (layout_tokens.cpp says which parse-tree parents give
// which role; the default comes from the token alone). Does not lay anything
// out: that is format/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "diag/diagnostics.h"

namespace flow::layout {

enum class Role : std::uint8_t {
  Keyword,       // `pipeline`, `if`, `workers`, …
  Word,          // a name, a number, a duration, `true`, `false`
  StringOpen,    // the `"` that opens a string
  StringText,    // text, an escape or `{{` `}}` inside a string: printed as written
  StringClose,   // the `"` that ends it
  InterpOpen,    // the `{` of an interpolation
  InterpClose,   // the `}` that ends it
  FormatSpec,    // `:>10.2` at the end of an interpolation, as written
  ParenOpen,     // `(`
  ParenClose,    // `)`
  BracketOpen,   // `[`: a list, a list type, a capacity or an index
  BracketClose,  // `]`
  BlockOpen,     // `{` of a block, a pipeline, a record type or an extern block
  BlockClose,    // its `}`
  LiteralOpen,   // `{` of a record literal `Job{…}`, a map literal or a map type
  LiteralClose,  // its `}`
  TypeArgOpen,   // `<` of a type argument `Failed<Job>`
  TypeArgClose,  // `>` (or `>>`, closing two) of a type argument
  Comma,
  Semicolon,
  Colon,         // `name: T`, `field: value`, `key: value`
  Dot,           // `r.field`
  Range,         // `..`
  Infix,         // binary operators, `=`, compound assignments, `<-`, `->`
  Prefix,        // unary `-`, `!`, `~`
  LineComment,   // `// …` (without the line end)
  BlockComment,  // `/* … */`, possibly spanning lines
};

struct Token {
  Role role;
  std::size_t begin = 0;  // byte offsets into the buffer: [begin, end)
  std::size_t end = 0;
  /// A newline right after this token does not end the statement
  /// (docs/language.md, "Lexical rules": after an operator, `,`, `=`, …).
  bool continues = false;
};

/// The tokens of buffer `bufferId` of `sources`, comments included, in
/// order. Meant for a buffer that parseModule() accepted without a syntax
/// error; returns std::nullopt when it does not parse. Reports nothing.
auto layoutTokens(llvm::SourceMgr& sources, unsigned bufferId) -> std::optional<std::vector<Token>>;

}  // namespace flow::layout
