// parse/layout_tokens.cpp — layoutTokens() (parse/layout.h): lexes and parses
// a file that parseModule() accepted, keeps the whole parse tree, and gives
// every token its Role from the token's type and, where one token plays
// several parts, from its parent in the tree: a `-` under a unary expression
// is a prefix, a `{` under a record literal opens a literal, a `}` under an
// interpolation closes it. A construct added to the grammar gets the default
// role of its tokens; only a token that plays a new part needs a line in
// roleInContext(). The comments the token filter set aside are merged in by
// position. Does not lay anything out (format/) and reports nothing.
#include <exception>

#include "parse/layout.h"
#include "parse/parse_internal.h"

namespace flow::layout {
namespace {

using parse::Flow;
using parse::FlowLexer;

/// The role of a token from its type alone.
Role defaultRole(std::size_t type) {
  // FORMAT_SPEC is declared (not lexed), so it comes before the keywords.
  if (type == FlowLexer::FORMAT_SPEC) return Role::FormatSpec;
  if (type < FlowLexer::TRUE) return Role::Keyword;  // then the keywords, first of the rules
  switch (type) {
    case FlowLexer::STRING_START:
      return Role::StringOpen;
    case FlowLexer::STRING_END:
      return Role::StringClose;
    case FlowLexer::STR_TEXT:
    case FlowLexer::STR_ESCAPE:
    case FlowLexer::STR_LBRACE_LIT:
    case FlowLexer::STR_RBRACE_LIT:
    case FlowLexer::STR_BAD:
      return Role::StringText;
    case FlowLexer::INTERP_OPEN:
      return Role::InterpOpen;
    case FlowLexer::LPAREN:
      return Role::ParenOpen;
    case FlowLexer::RPAREN:
      return Role::ParenClose;
    case FlowLexer::LBRACK:
      return Role::BracketOpen;
    case FlowLexer::RBRACK:
      return Role::BracketClose;
    case FlowLexer::LBRACE:
      return Role::BlockOpen;
    case FlowLexer::RBRACE:
      return Role::BlockClose;
    case FlowLexer::COMMA:
      return Role::Comma;
    case FlowLexer::SEMI:
      return Role::Semicolon;
    case FlowLexer::COLON:
      return Role::Colon;
    case FlowLexer::DOT:
      return Role::Dot;
    case FlowLexer::DOTDOT:
      return Role::Range;
    case FlowLexer::LINE_COMMENT:
      return Role::LineComment;
    case FlowLexer::BLOCK_COMMENT:
      return Role::BlockComment;
    case FlowLexer::TRUE:
    case FlowLexer::FALSE:
    case FlowLexer::INT:
    case FlowLexer::FLOAT:
    case FlowLexer::DURATION:
    case FlowLexer::IDENT:
      return Role::Word;
    default:
      // Every operator, `=`, the compound assignments, `<-` and `->`.
      return Role::Infix;
  }
}

/// The role of a token that plays a different part under `parent`.
Role roleInContext(std::size_t type, antlr4::tree::ParseTree* parent, Role role) {
  const bool literal = dynamic_cast<Flow::RecordLitContext*>(parent) != nullptr ||
                       dynamic_cast<Flow::MapLitContext*>(parent) != nullptr ||
                       dynamic_cast<Flow::TypeRefContext*>(parent) != nullptr;
  // `Failed<Job>`: the `<` is under typeRef, the `>` (or the `>>` closing
  // two levels) and a nested `<` under typeArg.
  const bool typeArg = dynamic_cast<Flow::TypeRefContext*>(parent) != nullptr ||
                       dynamic_cast<Flow::TypeArgContext*>(parent) != nullptr;
  switch (type) {
    case FlowLexer::LBRACE:
      return literal ? Role::LiteralOpen : role;
    case FlowLexer::RBRACE:
      if (dynamic_cast<Flow::StrInterpContext*>(parent) != nullptr) return Role::InterpClose;
      return literal ? Role::LiteralClose : role;
    case FlowLexer::MINUS:
    case FlowLexer::NOT:
    case FlowLexer::TILDE:
      return dynamic_cast<Flow::UnaryExprContext*>(parent) != nullptr ? Role::Prefix : role;
    case FlowLexer::LT:
      return typeArg ? Role::TypeArgOpen : role;
    case FlowLexer::GT:
    case FlowLexer::SHR:
      return typeArg ? Role::TypeArgClose : role;
    default:
      return role;
  }
}

/// Every terminal of the tree in order, with its role (NL and EOF skipped:
/// the printer counts newlines in the text itself).
void collect(antlr4::tree::ParseTree* root, std::vector<Token>& out) {
  std::vector<antlr4::tree::ParseTree*> stack{root};
  while (!stack.empty()) {
    antlr4::tree::ParseTree* node = stack.back();
    stack.pop_back();
    if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(node)) {
      antlr4::Token* tok = terminal->getSymbol();
      const std::size_t type = tok->getType();
      if (type == FlowLexer::NL || type == antlr4::Token::EOF) continue;
      Token t;
      t.role = roleInContext(type, node->parent, defaultRole(type));
      t.begin = tok->getStartIndex();
      t.end = tok->getStopIndex() + 1;
      t.continues = parse::isContinuationToken(type);
      out.push_back(t);
      continue;
    }
    for (auto it = node->children.rbegin(); it != node->children.rend(); ++it) stack.push_back(*it);
  }
}

}  // namespace

auto layoutTokens(llvm::SourceMgr& sources, unsigned bufferId) -> std::optional<std::vector<Token>> {
  const llvm::MemoryBuffer* buffer = sources.getMemoryBuffer(bufferId);
  parse::SourceText text{buffer->getBufferStart(), buffer->getBufferSize()};
  DiagnosticEngine quiet(sources);  // parseModule() already reported what there is
  parse::SyntaxErrorLog errors(quiet, text);
  try {
    parse::ByteCharStream chars(text);
    parse::FlowSafeLexer lexer(&chars);
    lexer.removeErrorListeners();
    std::vector<std::unique_ptr<antlr4::Token>> comments;
    auto tokens = parse::lexAndFilter(lexer, errors, &comments);
    if (tokens.empty() || errors.hasErrors()) return std::nullopt;
    antlr4::ListTokenSource source(std::move(tokens));
    antlr4::CommonTokenStream stream(&source);
    Flow parser(&stream);
    parser.removeErrorListeners();
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    auto* simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
    Flow::ModuleContext* tree = nullptr;
    try {
      simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
      tree = parser.module();
    } catch (const antlr4::ParseCancellationException&) {
      stream.seek(0);
      parser.reset();
      simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
      tree = parser.module();  // throws again when the file does not parse
    }
    std::vector<Token> code;
    collect(tree, code);
    // Merge the comments in by position.
    std::vector<Token> out;
    out.reserve(code.size() + comments.size());
    std::size_t c = 0;
    for (const Token& t : code) {
      while (c < comments.size() && comments[c]->getStartIndex() < t.begin) {
        const std::size_t type = comments[c]->getType();
        out.push_back(
            {defaultRole(type), comments[c]->getStartIndex(), comments[c]->getStopIndex() + 1, false});
        ++c;
      }
      out.push_back(t);
    }
    for (; c < comments.size(); ++c)
      out.push_back({defaultRole(comments[c]->getType()), comments[c]->getStartIndex(),
                     comments[c]->getStopIndex() + 1, false});
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace flow::layout
