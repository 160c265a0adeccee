// sema_annotations_test.cpp — the contract between sema/ and the code
// generator: after a successful checkModule, every annotation the AST
// declares as `// sema:` is filled in (ast/ast.h). Checked on every valid
// program we have: examples/, the positive sema lit tests and the benchmark
// workloads, each example with its tests (NAME_test.flow). A program that does not parse is skipped with a
// warning (the parser's tests own that); one that parses must check clean.
#define CATCH_CONFIG_MAIN
#include <llvm/Support/Casting.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "diag/diagnostics.h"
#include "parse/parse.h"
#include "sema/sema.h"

namespace {

using namespace flow;
namespace fs = std::filesystem;

/// Walks a checked module and records every missing annotation as a message.
class AnnotationChecker {
 public:
  std::vector<std::string> missing;

  void module(const ast::Module& m) {
    for (const auto& t : m.types)
      for (const auto& f : t->fields) {
        typeRef(f.type, "field " + f.name.name);
        if (f.defaultValue) expr(*f.defaultValue);
      }
    for (const auto& c : m.consts) expr(*c->value);
    for (const auto& b : m.externs)
      for (const auto& fn : b->fns) {
        for (const auto& p : fn.params) typeRef(p.type, "extern param " + p.name.name);
        if (fn.result) typeRef(*fn.result, "extern result of " + fn.name.name);
      }
    for (const auto& fn : m.fns) {
      for (const auto& p : fn->params) typeRef(p.type, "fn param " + p.name.name);
      if (fn->result) typeRef(*fn->result, "fn result of " + fn->name.name);
      block(fn->body);
    }
    for (const auto& p : m.pipelines) pipeline(*p);
    for (const auto& t : m.tests) {
      if (!t->pipeline) fail("test \"" + t->name + "\" has no pipeline");
      for (const auto& s : t->stmts)
        if (s.value) expr(*s.value);
    }
  }

 private:
  void fail(const std::string& what) { missing.push_back(what); }

  void typeRef(const ast::TypeRef& t, const std::string& where) {
    if (!t.resolved || t.resolved->isError()) fail("TypeRef::resolved of " + where);
    if (t.element) typeRef(*t.element, where + " (element)");
  }

  void pipeline(const ast::PipelineDecl& p) {
    for (const auto& param : p.params) {
      typeRef(param->type, "param " + param->name.name);
      if (param->defaultValue) expr(*param->defaultValue);
    }
    for (const auto& ch : p.channels) {
      typeRef(ch->elementType, "channel " + ch->name.name);
      if (ch->capacity) expr(*ch->capacity);
    }
    if (p.deadline) expr(*p.deadline);
    if (p.monitor) expr(*p.monitor);
    for (const auto& s : p.stages) stage(*s);
  }

  void stage(const ast::StageDecl& s) {
    const std::string& n = s.name.name;
    if (s.inputChannels.size() != s.inputs.size()) fail("StageDecl::inputChannels of " + n);
    if (s.outputChannels.size() != s.outputs.size()) fail("StageDecl::outputChannels of " + n);
    for (const auto* c : s.inputChannels)
      if (!c) fail("a null input channel of " + n);
    for (const auto* c : s.outputChannels)
      if (!c) fail("a null output channel of " + n);
    if (s.kind != ast::StageDecl::Kind::Source && (!s.itemType || s.itemType->isError()))
      fail("StageDecl::itemType of " + n);
    for (const auto& a : s.attrs) {
      if (a.value) expr(*a.value);
      if (a.backoff) expr(*a.backoff);
      if (a.routeChannel && !s.routeChannel) fail("StageDecl::routeChannel of " + n);
    }
    block(s.body);
  }

  void block(const ast::Block& b) {
    for (const auto& st : b.stmts) stmt(*st);
  }

  void stmt(const ast::Stmt& s) {
    switch (s.kind) {
      case ast::Stmt::Kind::Let:
        return expr(*llvm::cast<ast::LetStmt>(s).init);
      case ast::Stmt::Kind::Assign: {
        auto& a = llvm::cast<ast::AssignStmt>(s);
        expr(*a.target);
        return expr(*a.value);
      }
      case ast::Stmt::Kind::If: {
        auto& i = llvm::cast<ast::IfStmt>(s);
        expr(*i.cond);
        block(i.then);
        if (i.otherwise) block(*i.otherwise);
        return;
      }
      case ast::Stmt::Kind::For: {
        auto& f = llvm::cast<ast::ForStmt>(s);
        if (!f.varType || f.varType->isError()) fail("ForStmt::varType of " + f.var.name);
        expr(*f.iterable);
        if (f.hi) expr(*f.hi);
        return block(f.body);
      }
      case ast::Stmt::Kind::While: {
        auto& w = llvm::cast<ast::WhileStmt>(s);
        expr(*w.cond);
        return block(w.body);
      }
      case ast::Stmt::Kind::Return:
        if (const auto& r = llvm::cast<ast::ReturnStmt>(s); r.value) expr(*r.value);
        return;
      case ast::Stmt::Kind::Break:
      case ast::Stmt::Kind::Continue:
        return;
      case ast::Stmt::Kind::Send: {
        auto& snd = llvm::cast<ast::SendStmt>(s);
        if (!snd.target) fail("SendStmt::target");
        expr(*snd.value);
        if (snd.otherwise) block(*snd.otherwise);
        return;
      }
      case ast::Stmt::Kind::Fail:
        return expr(*llvm::cast<ast::FailStmt>(s).message);
      case ast::Stmt::Kind::State:
        return expr(*llvm::cast<ast::StateStmt>(s).init);
      case ast::Stmt::Kind::Finally:
        return block(llvm::cast<ast::FinallyStmt>(s).body);
      case ast::Stmt::Kind::Every: {
        auto& every = llvm::cast<ast::EveryStmt>(s);
        expr(*every.period);
        return block(every.body);
      }
      case ast::Stmt::Kind::Expr:
        return expr(*llvm::cast<ast::ExprStmt>(s).expr, /*voidOk=*/true);
    }
  }

  void expr(const ast::Expr& e, bool voidOk = false) {
    if (!e.type || e.type->isError()) fail("Expr::type");
    // A function named as sort_by's key is the one value-less name.
    auto* name = llvm::dyn_cast<ast::NameExpr>(&e);
    voidOk = voidOk || (name && name->ref.kind == ast::NameRef::Kind::Function);
    if (e.type && e.type->is(ast::Type::Kind::Void) && !voidOk) fail("a void Expr::type used as a value");
    switch (e.kind) {
      case ast::Expr::Kind::IntLit:
      case ast::Expr::Kind::FloatLit:
      case ast::Expr::Kind::BoolLit:
      case ast::Expr::Kind::DurationLit:
        return;
      case ast::Expr::Kind::StringLit:
        for (const auto& p : llvm::cast<ast::StringLit>(e).pieces)
          if (p.expr) expr(*p.expr);
        return;
      case ast::Expr::Kind::ListLit:
        for (const auto& x : llvm::cast<ast::ListLit>(e).elements) expr(*x);
        return;
      case ast::Expr::Kind::MapLit:
        for (const auto& entry : llvm::cast<ast::MapLit>(e).entries) {
          expr(*entry.key);
          expr(*entry.value);
        }
        return;
      case ast::Expr::Kind::RecordLit: {
        auto& r = llvm::cast<ast::RecordLit>(e);
        if (!r.decl) fail("RecordLit::decl of " + r.typeName.name);
        for (const auto& f : r.fields) expr(*f.value);
        return;
      }
      case ast::Expr::Kind::Name: {
        auto& n = llvm::cast<ast::NameExpr>(e);
        if (n.ref.kind == ast::NameRef::Kind::Unresolved) fail("NameExpr::ref of " + n.name);
        if (n.ref.kind != ast::NameRef::Kind::Worker && n.ref.kind != ast::NameRef::Kind::TestResult &&
            !n.ref.decl)
          fail("NameRef::decl of " + n.name);
        return;
      }
      case ast::Expr::Kind::Field:
        return expr(*llvm::cast<ast::FieldExpr>(e).base);
      case ast::Expr::Kind::Index: {
        auto& i = llvm::cast<ast::IndexExpr>(e);
        expr(*i.base);
        return expr(*i.index);
      }
      case ast::Expr::Kind::Call: {
        auto& c = llvm::cast<ast::CallExpr>(e);
        int resolved = (c.builtin != ast::Builtin::None) + (c.externFn != nullptr) + (c.fn != nullptr);
        if (resolved != 1) fail("CallExpr::builtin / externFn / fn of " + c.callee.name);
        // from_json's first argument is a type: its type is set, its names resolve to nothing.
        if (c.builtin == ast::Builtin::FromJson && !c.typeArg) fail("CallExpr::typeArg of from_json");
        for (std::size_t i = c.builtin == ast::Builtin::FromJson ? 1 : 0; i < c.args.size(); ++i)
          expr(*c.args[i]);
        return;
      }
      case ast::Expr::Kind::Unary:
        return expr(*llvm::cast<ast::UnaryExpr>(e).operand);
      case ast::Expr::Kind::Binary: {
        auto& b = llvm::cast<ast::BinaryExpr>(e);
        expr(*b.lhs);
        return expr(*b.rhs);
      }
    }
  }
};

std::vector<fs::path> validPrograms() {
  fs::path root = FLOW_SOURCE_DIR;
  std::vector<fs::path> files;
  auto add = [&](const fs::path& dir, const std::string& prefix) {
    if (!fs::exists(dir)) return;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      if (entry.path().extension() == ".flow" && entry.path().filename().string().rfind(prefix, 0) == 0 &&
          ast::subjectOfTestFile(entry.path().string()).empty())  // a test file joins its subject (below)
        files.push_back(entry.path());
  };
  add(root / "examples", "");
  add(root / "tests" / "lit" / "sema", "ok_");
  add(root / "bench" / "workloads", "");
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("every sema annotation is filled in after a successful check", "[sema]") {
  std::vector<fs::path> files = validPrograms();
  REQUIRE(!files.empty());
  for (const fs::path& path : files) {
    INFO(path.string());
    llvm::SourceMgr sources;
    DiagnosticEngine diags(sources);
    auto buffer = llvm::MemoryBuffer::getFile(path.string(), /*IsText=*/true);
    REQUIRE(buffer);
    unsigned id = sources.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    auto module = parseModule(id, diags);
    // The tests of NAME.flow in NAME_test.flow are checked with it.
    if (auto tests = llvm::MemoryBuffer::getFile(ast::testFileFor(path.string()), /*IsText=*/true)) {
      auto more = parseModule(sources.AddNewSourceBuffer(std::move(*tests), llvm::SMLoc()), diags);
      ast::appendDeclarations(*module, *more);
    }
    if (diags.hasErrors()) {
      WARN("skipped (does not parse): " << path.string());
      continue;
    }
    module->fileName = path.string();
    bool ok = checkModule(*module, diags);
    std::string rendered;
    llvm::raw_string_ostream os(rendered);
    diags.print(os);
    INFO(os.str());
    REQUIRE(ok);
    AnnotationChecker checker;
    checker.module(*module);
    std::string all;
    for (const auto& m : checker.missing) all += "  " + m + "\n";
    INFO("missing annotations:\n" << all);
    CHECK(checker.missing.empty());
  }
}

TEST_CASE("an invalid program reports errors and checkModule returns false", "[sema]") {
  llvm::SourceMgr sources;
  DiagnosticEngine diags(sources);
  const char* text =
      "pipeline p {\n"
      "  channel a: int[1]\n"
      "  source g -> a { emit \"text\" }\n"
      "  sink s(x from a) { print(y) }\n"
      "}\n";
  unsigned id =
      sources.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "inline.flow"), llvm::SMLoc());
  auto module = parseModule(id, diags);
  REQUIRE_FALSE(diags.hasErrors());
  CHECK_FALSE(checkModule(*module, diags));
  std::vector<std::string> kinds;
  for (const auto& d : diags.diagnostics()) kinds.emplace_back(diagKindName(d.kind));
  CHECK(kinds == std::vector<std::string>{"TypeMismatch", "UnknownName"});
}
