// parse/parse.cpp — parseModule(): bytes → tokens → parse tree → AST.
// The ANTLR lexer reads the buffer one byte per symbol (so token indices are
// byte offsets, SourceRanges are exact, and invalid UTF-8 cannot throw); the
// token filter applies the newline rules; the mistake scanner repairs the
// mistakes it recognises, each reported once (mistakes.cpp); the parser runs
// twice at most: first in SLL mode with a bail-out strategy (fast, correct
// for every valid program we have seen), and only if that fails again in
// full LL mode with the error-recovering strategy that reports syntax
// errors. Last, each declaration holding a syntax error is marked so sema
// leaves it alone (mark_errors.cpp). Does not check meaning: that is sema/.
#include "parse/parse.h"

#include <exception>
#include <string>

#include "parse/parse_internal.h"

namespace flow {
namespace {

using parse::ByteCharStream;
using parse::Flow;
using parse::FlowLexer;
using parse::FlowSafeLexer;

bool isSeparator(std::size_t type) { return type == Flow::NL || type == Flow::SEMI; }

/// The fast path (SLL prediction, bail out at the first error), parsing one
/// top-level declaration or pipeline member at a time and freeing its parse
/// tree as soon as its AST is built. A whole-file parse tree costs about
/// 4 KB per line in small allocations; on a 20,000-line file, allocating and
/// page-faulting that memory was most of the parse time. The pipeline header
/// and body loop (`pipeline NAME { (member | sep)* }`) are walked here by
/// hand, exactly as Flow.g4 writes them. Throws ParseCancellationException
/// on any syntax error; the caller then parses the whole file again with
/// recovery.
auto parseFast(Flow& parser, antlr4::CommonTokenStream& stream, parse::AstBuilder& builder)
    -> std::unique_ptr<ast::Module> {
  auto module = std::make_unique<ast::Module>();
  auto expect = [&](std::size_t type) {
    antlr4::Token* tok = stream.LT(1);
    if (tok->getType() != type) throw antlr4::ParseCancellationException();
    stream.consume();  // not parser.consume(): there is no rule context to add it to
    return tok;
  };
  while (true) {
    parser.getTreeTracker().reset();  // the previous declaration's tree is in the AST now
    std::size_t type = stream.LA(1);
    if (type == antlr4::Token::EOF) return module;
    if (isSeparator(type)) {
      stream.consume();
      continue;
    }
    if (type != Flow::PIPELINE) {
      builder.buildTopDecl(parser.topDecl(), *module);
      continue;
    }
    antlr4::Token* keyword = expect(Flow::PIPELINE);
    if (!builder.isSeparated(keyword)) throw antlr4::ParseCancellationException();
    auto pipeline = std::make_unique<ast::PipelineDecl>();
    antlr4::Token* name = expect(Flow::IDENT);
    pipeline->name = {name->getText(), builder.rangeOf(name)};
    expect(Flow::LBRACE);
    while (true) {
      parser.getTreeTracker().reset();
      std::size_t next = stream.LA(1);
      if (isSeparator(next)) {
        stream.consume();
        continue;
      }
      if (next == Flow::RBRACE) break;
      Flow::MemberContext* member = parser.member();
      builder.checkSeparated(member);
      builder.buildMember(member, *pipeline);
    }
    antlr4::Token* close = expect(Flow::RBRACE);
    pipeline->range = SourceRange::cover(builder.rangeOf(keyword), builder.rangeOf(close));
    module->pipelines.push_back(std::move(pipeline));
  }
}

auto parseTokens(std::vector<std::unique_ptr<antlr4::Token>> tokens, parse::SyntaxErrorLog& errors)
    -> std::unique_ptr<ast::Module> {
  antlr4::ListTokenSource source(std::move(tokens));
  antlr4::CommonTokenStream stream(&source);
  Flow parser(&stream);
  parser.removeErrorListeners();  // never ANTLR's console listener
  parse::AstBuilder builder(errors, stream);

  // Stage 1: SLL prediction, bail out at the first error. Valid programs
  // almost never need full-context prediction, and SLL is much cheaper.
  auto* simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  try {
    // Without a syntax error the module is complete, even if the builder
    // reported something (a bad literal, a missing separator).
    return parseFast(parser, stream, builder);
  } catch (const antlr4::ParseCancellationException&) {
  }
  // Stage 2: the whole file again, full LL with recovery; this pass reports
  // the syntax errors. Whatever the builder reported in the fast pass is
  // found again and dropped by the SyntaxErrorLog as a duplicate.
  stream.seek(0);
  parser.reset();
  simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
  parser.setErrorHandler(parse::makeErrorStrategy(errors));
  return builder.buildModule(parser.module());
}

}  // namespace

auto parseModule(unsigned bufferId, DiagnosticEngine& diags) -> std::unique_ptr<ast::Module> {
  const llvm::MemoryBuffer* buffer = diags.sourceMgr().getMemoryBuffer(bufferId);
  parse::SourceText text{buffer->getBufferStart(), buffer->getBufferSize()};
  parse::SyntaxErrorLog errors(diags, text);
  std::unique_ptr<ast::Module> module;
  try {
    ByteCharStream chars(text);
    FlowSafeLexer lexer(&chars);
    lexer.removeErrorListeners();
    auto tokens = parse::lexAndFilter(lexer, errors);
    if (!tokens.empty()) {
      parse::repairMistakes(tokens, errors);
      module = parseTokens(std::move(tokens), errors);
    }
  } catch (const std::exception& e) {
    // Not expected on any input; if the runtime ever throws, the user still
    // gets one diagnostic in the usual format instead of a crash.
    diags.report(DiagKind::SyntaxError, {text.loc(0), text.loc(0)},
                 std::string("internal parser error: ") + e.what());
  } catch (...) {
    diags.report(DiagKind::SyntaxError, {text.loc(0), text.loc(0)}, "internal parser error");
  }
  if (!module) module = std::make_unique<ast::Module>();
  parse::markSyntaxErrors(*module, errors);
  module->fileName = buffer->getBufferIdentifier().str();
  return module;
}

}  // namespace flow
