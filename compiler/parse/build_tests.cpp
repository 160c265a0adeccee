// parse/build_tests.cpp — the AST builder for `test "name" [for P] { … }`
// (docs/language.md, "Testing pipelines"). Checks what the grammar leaves
// loose: the name is a plain string, and `in` after an expectation is `in
// any order`. Which names exist, types and conflicts are sema's.
#include "parse/parse_internal.h"

namespace flow::parse {

std::unique_ptr<ast::TestDecl> AstBuilder::buildTestDecl(Flow::TestDeclContext* ctx) {
  auto test = std::make_unique<ast::TestDecl>();
  test->range = rangeOf(ctx);
  if (Flow::StringLitContext* name = ctx->stringLit()) {
    std::unique_ptr<ast::StringLit> str = buildString(name);
    test->nameRange = str->range;
    if (str->isPlain())
      test->name = str->plainText();
    else
      syntaxError(str->range, "a test's name is a plain string, without `{…}`");
  }
  if (ctx->FOR() != nullptr) test->pipelineName = ident(ctx->IDENT(), test->range);
  for (Flow::TestStmtContext* s : ctx->testStmt()) {
    checkSeparated(s);
    ast::TestStmt stmt;
    stmt.range = rangeOf(s);
    if (auto* c = dynamic_cast<Flow::TestParamStmtContext*>(s)) {
      stmt.kind = ast::TestStmt::Kind::Param;
      stmt.name = ident(c->IDENT(), stmt.range);
      stmt.value = buildExpr(c->expr(), stmt.range);
    } else if (auto* c = dynamic_cast<Flow::TestWorkersStmtContext*>(s)) {
      stmt.kind = ast::TestStmt::Kind::Workers;
      stmt.name = ident(c->IDENT(), stmt.range);
      stmt.value = buildExpr(c->expr(), stmt.range);
    } else if (auto* c = dynamic_cast<Flow::TestDeadlineStmtContext*>(s)) {
      stmt.kind = ast::TestStmt::Kind::Deadline;
      stmt.value = buildExpr(c->expr(), stmt.range);
    } else if (auto* c = dynamic_cast<Flow::TestInputStmtContext*>(s)) {
      stmt.kind = ast::TestStmt::Kind::Input;
      stmt.name = ident(c->IDENT(), stmt.range);
      stmt.value = buildExpr(c->expr(), stmt.range);
    } else if (auto* c = dynamic_cast<Flow::TestOutputStmtContext*>(s)) {
      stmt.kind = ast::TestStmt::Kind::Output;
      if (Flow::IdentListContext* list = c->identList())
        for (antlr4::tree::TerminalNode* id : list->IDENT()) stmt.names.push_back(ident(id, stmt.range));
    } else if (auto* c = dynamic_cast<Flow::TestExpectStmtContext*>(s)) {
      stmt.kind = ast::TestStmt::Kind::Expect;
      stmt.value = buildExpr(c->expr(), stmt.range);
      if (c->IN() != nullptr) {
        std::vector<antlr4::tree::TerminalNode*> words = c->IDENT();
        const bool anyOrder =
            words.size() == 2 && words[0]->getText() == "any" && words[1]->getText() == "order";
        if (anyOrder)
          stmt.anyOrder = true;
        else
          syntaxError(
              SourceRange::cover(rangeOf(c->IN()), words.empty() ? rangeOf(c->IN()) : rangeOf(words.back())),
              "after an expectation, `in` starts `in any order`");
      }
    } else {
      continue;  // error recovery left an alternative we cannot tell
    }
    test->stmts.push_back(std::move(stmt));
  }
  return test;
}

}  // namespace flow::parse
