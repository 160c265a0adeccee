// parse_ranges_test.cpp — what the AST dump cannot show: the exact
// [begin, end) SourceRange of nodes (the dump prints only where they begin),
// the operator range of binary expressions, decoded literal values and the
// placeholders error recovery leaves. Each case parses a small program and
// compares ranges with the text they cover.
#include <llvm/Support/Casting.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "ast/ast.h"
#include "diag/diagnostics.h"
#include "parse/parse.h"

namespace {

using namespace flow;

struct Parsed {
  llvm::SourceMgr sources;
  DiagnosticEngine diags{sources};
  std::unique_ptr<ast::Module> module;

  explicit Parsed(const std::string& text) {
    unsigned id =
        sources.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "test.flow"), llvm::SMLoc());
    module = parseModule(id, diags);
  }
  /// The text a range covers.
  static std::string text(SourceRange r) {
    REQUIRE(r.isValid());
    return std::string(r.begin.getPointer(), r.end.getPointer());
  }
  /// The statements of the first stage's body.
  const std::vector<ast::StmtPtr>& body() const { return module->pipelines.at(0)->stages.at(0)->body.stmts; }
};

const ast::Expr& initOf(const ast::StmtPtr& stmt) { return *llvm::cast<ast::LetStmt>(stmt.get())->init; }

std::string wrap(const std::string& body) {
  return "pipeline p {\n  channel c: int[1]\n  source s -> c {\n" + body + "\n  }\n}\n";
}

}  // namespace

TEST_CASE("every node's range covers exactly its text", "[parse]") {
  Parsed p(wrap("    let x = Job{id: f(1, 2), tags: [\"a\"]}.id * -3\n    emit x"));
  REQUIRE_FALSE(p.diags.hasErrors());
  const auto& let = *llvm::cast<ast::LetStmt>(p.body().at(0).get());
  CHECK(Parsed::text(let.range) == "let x = Job{id: f(1, 2), tags: [\"a\"]}.id * -3");
  CHECK(Parsed::text(let.name.range) == "x");
  const auto& mul = llvm::cast<ast::BinaryExpr>(*let.init);
  CHECK(Parsed::text(mul.range) == "Job{id: f(1, 2), tags: [\"a\"]}.id * -3");
  CHECK(Parsed::text(mul.opRange) == "*");
  const auto& field = llvm::cast<ast::FieldExpr>(*mul.lhs);
  CHECK(Parsed::text(field.field.range) == "id");
  const auto& record = llvm::cast<ast::RecordLit>(*field.base);
  CHECK(Parsed::text(record.range) == "Job{id: f(1, 2), tags: [\"a\"]}");
  CHECK(Parsed::text(record.typeName.range) == "Job");
  CHECK(Parsed::text(record.fields.at(0).value->range) == "f(1, 2)");
  CHECK(Parsed::text(record.fields.at(1).value->range) == "[\"a\"]");
  CHECK(Parsed::text(mul.rhs->range) == "-3");
  const auto& stage = *p.module->pipelines.at(0)->stages.at(0);
  CHECK(Parsed::text(stage.body.range).front() == '{');
  CHECK(Parsed::text(stage.body.range).back() == '}');
  CHECK(Parsed::text(p.module->pipelines.at(0)->range).rfind("pipeline p {", 0) == 0);
}

TEST_CASE("declarations carry their own and their names' ranges", "[parse]") {
  Parsed p("type Job {\n  id: int = 1\n}\nconst N = 4\nextern \"h.hpp\" {\n  fn f(a: [int]) -> string\n}\n" +
           wrap("    emit 1"));
  REQUIRE_FALSE(p.diags.hasErrors());
  const auto& type = *p.module->types.at(0);
  CHECK(Parsed::text(type.nameRange) == "Job");
  CHECK(Parsed::text(type.range) == "type Job {\n  id: int = 1\n}");
  CHECK(Parsed::text(type.fields.at(0).type.range) == "int");
  CHECK(Parsed::text(p.module->consts.at(0)->range) == "const N = 4");
  const auto& ext = *p.module->externs.at(0);
  CHECK(ext.header == "h.hpp");
  CHECK(Parsed::text(ext.headerRange) == "\"h.hpp\"");
  CHECK(ext.fns.at(0).header == "h.hpp");
  CHECK(Parsed::text(ext.fns.at(0).params.at(0).type.range) == "[int]");
  CHECK(ext.fns.at(0).params.at(0).type.element->name == "int");
  const auto& channel = *p.module->pipelines.at(0)->channels.at(0);
  CHECK(Parsed::text(channel.range) == "channel c: int[1]");
  CHECK_FALSE(channel.overflowRange.isValid());
}

TEST_CASE("literals are decoded", "[parse]") {
  Parsed p(
      wrap("    let a = 1_000_000\n    let b = 0xff\n    let c = 1.5s\n    let d = 0.1s\n"
           "    let e = 2m\n    let f = \"a\\tb {x} {{c}}\"\n    let g = 2.5e-1"));
  REQUIRE_FALSE(p.diags.hasErrors());
  const auto& body = p.body();
  CHECK(llvm::cast<ast::IntLit>(initOf(body.at(0))).value == 1000000);
  CHECK(llvm::cast<ast::IntLit>(initOf(body.at(1))).value == 255);
  CHECK(llvm::cast<ast::DurationLit>(initOf(body.at(2))).nanoseconds == 1500000000);
  CHECK(llvm::cast<ast::DurationLit>(initOf(body.at(3))).nanoseconds == 100000000);
  CHECK(llvm::cast<ast::DurationLit>(initOf(body.at(4))).nanoseconds == 120000000000);
  const auto& str = llvm::cast<ast::StringLit>(initOf(body.at(5)));
  REQUIRE(str.pieces.size() == 3);
  CHECK(str.pieces[0].text == "a\tb ");
  CHECK(llvm::cast<ast::NameExpr>(*str.pieces[1].expr).name == "x");
  CHECK(str.pieces[2].text == " {c}");
  const auto& flt = llvm::cast<ast::FloatLit>(initOf(body.at(6)));
  CHECK(flt.value == 0.25);
  CHECK(flt.spelling == "2.5e-1");
}

TEST_CASE("error recovery leaves complete trees with placeholders", "[parse]") {
  Parsed p(wrap("    let y = (1 + )\n    emit y"));
  CHECK(p.diags.hasErrors());
  const auto& body = p.body();
  REQUIRE(body.size() >= 2);
  for (const auto& stmt : body)
    if (const auto* let = llvm::dyn_cast<ast::LetStmt>(stmt.get())) REQUIRE(let->init != nullptr);
  bool sawPlaceholder = false;
  for (const auto& stmt : body)
    if (const auto* let = llvm::dyn_cast<ast::LetStmt>(stmt.get()))
      if (const auto* bin = llvm::dyn_cast<ast::BinaryExpr>(let->init.get()))
        if (const auto* name = llvm::dyn_cast<ast::NameExpr>(bin->rhs.get()))
          sawPlaceholder |= name->name == ast::kErrorName;
  CHECK(sawPlaceholder);
}

TEST_CASE("no input makes the parser throw or lose the module", "[parse]") {
  const char* inputs[] = {"",
                          "}",
                          "}}}}{{{{",
                          "\"",
                          "\"{",
                          "\"{\"{\"{",
                          "/*",
                          "pipeline",
                          "pipeline p {",
                          "\xff\xfe\x00\x01",
                          "type T { a: [[[[",
                          "pipeline p { source s -> c { if x {} else",
                          "const X = 1 +",
                          "extern \"{x}\" { fn }"};
  for (const char* input : inputs) {
    Parsed p(input);
    CHECK(p.module != nullptr);
  }
}
