// lsp/symbols.cpp — indexModule() and recordOfMemberAt() (symbols.h). One walk
// over the AST that records each written name with its declaration; the
// descriptions quote the declaration's own text (a channel's line, a
// stage's header with its attributes, a record type) and add sema's types.
// Node kinds this walk does not know are skipped, never misread: a new
// construct shows no hover until it is added here.
#include "lsp/symbols.h"

#include <llvm/Support/Casting.h>

#include <algorithm>

namespace flow::lsp {
namespace {

/// The section of docs/language.md that describes a built-in function.
std::string builtinSection(ast::Builtin b) {
  switch (b) {
    case ast::Builtin::Get:
    case ast::Builtin::Has:
    case ast::Builtin::Keys:
    case ast::Builtin::Values:
    case ast::Builtin::Delete:
      return "Maps and typed declarations";
    case ast::Builtin::ToJson:
    case ast::Builtin::FromJson:
      return "JSON";
    case ast::Builtin::HttpGet:
    case ast::Builtin::HttpPost:
    case ast::Builtin::WriteLine:
    case ast::Builtin::Env:
      return "Services and files";
    case ast::Builtin::Sort:
    case ast::Builtin::SortBy:
    case ast::Builtin::Reverse:
    case ast::Builtin::RandInt:
    case ast::Builtin::RandFloat:
      return "Functions, sorting, formatting and randomness";
    default:
      return "Stage bodies";
  }
}

using llvm::dyn_cast;

/// A declaration's text on one line, whitespace runs collapsed, cut at
/// `limit` characters.
std::string oneLine(llvm::StringRef text, std::size_t limit = 160) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= limit) return out + " …";
  }
  return out;
}

std::string code(const std::string& text) { return "```flow\n" + text + "\n```"; }

class Indexer {
 public:
  Indexer(const ast::Module& module, const llvm::SourceMgr& sources) : module_(module), sources_(sources) {}

  std::vector<Symbol> run() {
    for (const auto& t : module_.types) typeDecl(*t);
    for (const auto& c : module_.consts) constDecl(*c);
    for (const auto& block : module_.externs)
      for (const auto& fn : block->fns) externFn(fn);
    for (const auto& fn : module_.fns) fnDecl(*fn);
    for (const auto& p : module_.pipelines) pipeline(*p);
    for (const auto& t : module_.tests) test(*t);
    return std::move(out_);
  }

  // ---- places and texts
  Place place(SourceRange r) const {
    if (!r.isValid()) return {};
    unsigned buffer = sources_.FindBufferContainingLoc(r.begin);
    if (buffer == 0) return {};
    const char* start = sources_.getMemoryBuffer(buffer)->getBufferStart();
    const char* end = r.end.isValid() && r.end.getPointer() >= r.begin.getPointer() ? r.end.getPointer()
                                                                                    : r.begin.getPointer();
    return {buffer, static_cast<std::size_t>(r.begin.getPointer() - start),
            static_cast<std::size_t>(end - start)};
  }
  llvm::StringRef text(SourceRange r) const {
    if (!r.isValid() || !r.end.isValid() || r.end.getPointer() < r.begin.getPointer()) return {};
    return {r.begin.getPointer(), static_cast<std::size_t>(r.end.getPointer() - r.begin.getPointer())};
  }
  /// The text from `from` up to (not including) `to`.
  llvm::StringRef textUntil(SourceRange from, SourceRange to) const {
    if (!from.isValid() || !to.isValid() || to.begin.getPointer() < from.begin.getPointer())
      return text(from);
    return {from.begin.getPointer(),
            static_cast<std::size_t>(to.begin.getPointer() - from.begin.getPointer())};
  }

  void add(const ast::Ident& at, SymbolKind kind, std::string detail, SourceRange decl,
           const ast::Type* type = nullptr) {
    if (at.name == ast::kErrorName || !at.range.isValid()) return;
    out_.push_back({place(at.range), kind, at.name, std::move(detail), place(decl), type});
  }

  // ---- descriptions
  /// A record type as written (it may span lines), at most 20 lines.
  std::string describeType(const ast::TypeDecl& t) const {
    std::string shown;
    int lines = 0;
    for (char c : text(t.range)) {
      if (c == '\r') continue;
      if (c == '\n' && ++lines == 20) return code(shown + "\n…");
      shown += c;
    }
    return code(shown);
  }
  std::string describeChannel(const ast::ChannelDecl& ch) const {
    std::string d = code(oneLine(text(ch.range)));
    std::vector<std::string> writers, readers;
    for (const auto& s : pipeline_->stages) {
      auto has = [&](const std::vector<ast::Ident>& ids) {
        return std::any_of(ids.begin(), ids.end(),
                           [&](const ast::Ident& i) { return i.name == ch.name.name; });
      };
      const bool routes = std::any_of(s->attrs.begin(), s->attrs.end(), [&](const ast::StageAttr& a) {
        return a.routeChannel && a.routeChannel->name == ch.name.name;
      });
      if (has(s->outputs) || routes) writers.push_back("`" + s->name.name + "`");
      if (has(s->inputs)) readers.push_back("`" + s->name.name + "`");
    }
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
      return s;
    };
    if (!writers.empty()) d += "\n\nwritten by " + list(writers);
    if (!readers.empty())
      d += writers.empty() ? "\n\nread by " + list(readers) : "; read by " + list(readers);
    return d;
  }
  std::string describeStage(const ast::StageDecl& s) const {
    std::string d = code(oneLine(textUntil(s.range, s.body.range)));
    if (s.item && s.itemType) d += "\n\nitem `" + s.item->name + "`: `" + s.itemType->str() + "`";
    return d;
  }
  std::string typed(const std::string& what, const std::string& name, const ast::Type* t) const {
    return code(what + name + (t && !t->isError() ? ": " + t->str() : ""));
  }

  // ---- declarations
  void typeRef(const ast::TypeRef& ref) {
    if (ref.kind == ast::TypeRef::Kind::List) {
      if (ref.element) typeRef(*ref.element);
      return;
    }
    const ast::TypeDecl* decl = ref.resolved ? ref.resolved->record() : nullptr;
    if (!decl) {
      for (const auto& t : module_.types)
        if (t->name == ref.name) decl = t.get();
    }
    if (decl) add({ref.name, ref.range}, SymbolKind::Type, describeType(*decl), decl->nameRange);
  }

  void typeDecl(const ast::TypeDecl& t) {
    add({t.name, t.nameRange}, SymbolKind::Type, describeType(t), t.nameRange);
    for (const auto& f : t.fields) {
      add(f.name, SymbolKind::Field, fieldDetail(t, f), f.name.range, f.type.resolved);
      typeRef(f.type);
      if (f.defaultValue) expr(*f.defaultValue);
    }
  }
  std::string fieldDetail(const ast::TypeDecl& t, const ast::FieldDecl& f) const {
    return code(oneLine(text(
               SourceRange::cover(f.name.range, f.defaultValue ? f.defaultValue->range : f.type.range)))) +
           "\n\nfield of `" + t.name + "`";
  }

  void constDecl(const ast::ConstDecl& c) {
    add(c.name, SymbolKind::Const, code(oneLine(text(c.range))), c.name.range,
        c.value ? c.value->type : nullptr);
    if (c.value) expr(*c.value);
  }

  void externFn(const ast::ExternFn& fn) {
    add(fn.name, SymbolKind::ExternFunction,
        code(oneLine(text(fn.range))) + "\n\nextern C++ function, from `" + fn.header + "`", fn.name.range);
    for (const auto& p : fn.params) typeRef(p.type);
    if (fn.result) typeRef(*fn.result);
  }

  void fnDecl(const ast::FnDecl& fn) {
    add(fn.name, SymbolKind::Function, code(oneLine(textUntil(fn.range, fn.body.range))), fn.name.range);
    for (const auto& p : fn.params) {
      add(p.name, SymbolKind::FnParam,
          typed("", p.name.name, p.type.resolved) + "\n\nparameter of `" + fn.name.name + "`", p.name.range,
          p.type.resolved);
      typeRef(p.type);
    }
    if (fn.result) typeRef(*fn.result);
    fn_ = &fn;
    block(fn.body);
    fn_ = nullptr;
  }

  void pipeline(const ast::PipelineDecl& p) {
    pipeline_ = &p;
    add(p.name, SymbolKind::Pipeline, code("pipeline " + p.name.name), p.name.range);
    for (const auto& param : p.params) {
      add(param->name, SymbolKind::Param, code(oneLine(text(param->range))), param->name.range,
          param->type.resolved);
      typeRef(param->type);
      if (param->defaultValue) expr(*param->defaultValue);
    }
    if (p.deadline) expr(*p.deadline);
    if (p.monitor) expr(*p.monitor);
    for (const auto& ch : p.channels) {
      add(ch->name, SymbolKind::Channel, describeChannel(*ch), ch->name.range);
      typeRef(ch->elementType);
      if (ch->capacity) expr(*ch->capacity);
    }
    for (const auto& s : p.stages) stage(*s);
    pipeline_ = nullptr;
  }

  void test(const ast::TestDecl& t) {
    pipeline_ = t.pipeline;
    if (t.pipeline && t.pipelineName)
      add(*t.pipelineName, SymbolKind::Pipeline, code("pipeline " + t.pipeline->name.name),
          t.pipeline->name.range);
    for (const ast::TestStmt& s : t.stmts) {
      if (pipeline_ && s.kind == ast::TestStmt::Kind::Param)
        for (const auto& p : pipeline_->params)
          if (p->name.name == s.name.name)
            add(s.name, SymbolKind::Param, code(oneLine(text(p->range))), p->name.range, p->type.resolved);
      if (pipeline_ && s.kind == ast::TestStmt::Kind::Workers)
        for (const auto& st : pipeline_->stages)
          if (st->name.name == s.name.name)
            add(s.name, SymbolKind::Stage, describeStage(*st), st->name.range);
      if (s.kind == ast::TestStmt::Kind::Input) channelUse(s.name);
      for (const ast::Ident& id : s.names) channelUse(id);
      if (s.value) expr(*s.value);
    }
    pipeline_ = nullptr;
  }

  const ast::ChannelDecl* channelNamed(const std::string& name) const {
    if (!pipeline_) return nullptr;
    for (const auto& ch : pipeline_->channels)
      if (ch->name.name == name) return ch.get();
    return nullptr;
  }
  void channelUse(const ast::Ident& id) {
    if (const ast::ChannelDecl* ch = channelNamed(id.name))
      add(id, SymbolKind::Channel, describeChannel(*ch), ch->name.range);
  }

  void stage(const ast::StageDecl& s) {
    stage_ = &s;
    add(s.name, SymbolKind::Stage, describeStage(s), s.name.range);
    if (s.item)
      add(*s.item, SymbolKind::Item,
          typed("", s.item->name, s.itemType) + "\n\nthe item of `" + s.name.name + "`", s.item->range,
          s.itemType);
    for (const auto& in : s.inputs) channelUse(in);
    for (const auto& out : s.outputs) channelUse(out);
    for (const auto& a : s.attrs) {
      if (a.value) expr(*a.value);
      if (a.backoff) expr(*a.backoff);
      if (a.routeChannel) channelUse(*a.routeChannel);
    }
    block(s.body);
    stage_ = nullptr;
  }

  // ---- bodies
  void block(const ast::Block& b) {
    for (const auto& st : b.stmts)
      if (st) stmt(*st);
  }

  void stmt(const ast::Stmt& st) {
    if (auto* s = dyn_cast<ast::LetStmt>(&st)) {
      const ast::Type* t = s->init ? s->init->type : nullptr;
      add(s->name, SymbolKind::Local, typed(s->isMutable ? "var " : "let ", s->name.name, t), s->name.range,
          t);
      if (s->init) expr(*s->init);
    } else if (auto* s = dyn_cast<ast::StateStmt>(&st)) {
      const ast::Type* t = s->init ? s->init->type : nullptr;
      add(s->name, SymbolKind::State, typed("state ", s->name.name, t) + stateNote(), s->name.range, t);
      if (s->init) expr(*s->init);
    } else if (auto* s = dyn_cast<ast::AssignStmt>(&st)) {
      if (s->target) expr(*s->target);
      if (s->value) expr(*s->value);
    } else if (auto* s = dyn_cast<ast::IfStmt>(&st)) {
      if (s->cond) expr(*s->cond);
      block(s->then);
      if (s->otherwise) block(*s->otherwise);
    } else if (auto* s = dyn_cast<ast::ForStmt>(&st)) {
      add(s->var, SymbolKind::Local, typed("for ", s->var.name, s->varType) + "\n\nloop variable",
          s->var.range, s->varType);
      if (s->iterable) expr(*s->iterable);
      if (s->hi) expr(*s->hi);
      block(s->body);
    } else if (auto* s = dyn_cast<ast::WhileStmt>(&st)) {
      if (s->cond) expr(*s->cond);
      block(s->body);
    } else if (auto* s = dyn_cast<ast::ReturnStmt>(&st)) {
      if (s->value) expr(*s->value);
    } else if (auto* s = dyn_cast<ast::SendStmt>(&st)) {
      if (s->channel) channelUse(*s->channel);
      if (s->value) expr(*s->value);
      if (s->otherwise) block(*s->otherwise);
    } else if (auto* s = dyn_cast<ast::FailStmt>(&st)) {
      if (s->message) expr(*s->message);
    } else if (auto* s = dyn_cast<ast::FinallyStmt>(&st)) {
      block(s->body);
    } else if (auto* s = dyn_cast<ast::ExprStmt>(&st)) {
      if (s->expr) expr(*s->expr);
    }
  }
  std::string stateNote() const {
    return stage_ ? "\n\nper-worker state of `" + stage_->name.name + "`, kept across items" : "";
  }

  void expr(const ast::Expr& e) {
    if (auto* x = dyn_cast<ast::NameExpr>(&e)) {
      name(*x);
    } else if (auto* x = dyn_cast<ast::FieldExpr>(&e)) {
      if (x->base) {
        expr(*x->base);
        field(*x->base, x->field, e.type);
        const Place at = place(x->field.range);
        if (probe_.isValid() && at.buffer == probe_.buffer && at.begin == probe_.begin && x->base->type)
          probed_ = x->base->type->record();
      }
    } else if (auto* x = dyn_cast<ast::IndexExpr>(&e)) {
      if (x->base) expr(*x->base);
      if (x->index) expr(*x->index);
    } else if (auto* x = dyn_cast<ast::CallExpr>(&e)) {
      call(*x);
      for (const auto& a : x->args)
        if (a) expr(*a);
    } else if (auto* x = dyn_cast<ast::UnaryExpr>(&e)) {
      if (x->operand) expr(*x->operand);
    } else if (auto* x = dyn_cast<ast::BinaryExpr>(&e)) {
      if (x->lhs) expr(*x->lhs);
      if (x->rhs) expr(*x->rhs);
    } else if (auto* x = dyn_cast<ast::ListLit>(&e)) {
      for (const auto& el : x->elements)
        if (el) expr(*el);
    } else if (auto* x = dyn_cast<ast::RecordLit>(&e)) {
      recordLit(*x);
    } else if (auto* x = dyn_cast<ast::StringLit>(&e)) {
      for (const auto& piece : x->pieces)
        if (piece.expr) expr(*piece.expr);
    }
  }

  void name(const ast::NameExpr& e) {
    ast::Ident id{e.name, e.range};
    const ast::Type* t = e.type;
    switch (e.ref.kind) {
      case ast::NameRef::Kind::Local: {
        auto* st = static_cast<const ast::Stmt*>(e.ref.decl);
        if (auto* let = dyn_cast<ast::LetStmt>(st))
          add(id, SymbolKind::Local, typed(let->isMutable ? "var " : "let ", e.name, t), let->name.range, t);
        else if (auto* loop = dyn_cast<ast::ForStmt>(st))
          add(id, SymbolKind::Local, typed("for ", e.name, t) + "\n\nloop variable", loop->var.range, t);
        return;
      }
      case ast::NameRef::Kind::Param: {
        auto* p = static_cast<const ast::ParamDecl*>(e.ref.decl);
        add(id, SymbolKind::Param, code(oneLine(text(p->range))), p->name.range, t);
        return;
      }
      case ast::NameRef::Kind::Const: {
        auto* c = static_cast<const ast::ConstDecl*>(e.ref.decl);
        add(id, SymbolKind::Const, code(oneLine(text(c->range))), c->name.range, t);
        return;
      }
      case ast::NameRef::Kind::Worker:
        add(id, SymbolKind::Worker, code("worker: int") + "\n\nthe index of the running worker, from 0", {},
            t);
        return;
      case ast::NameRef::Kind::Item: {
        auto* s = static_cast<const ast::StageDecl*>(e.ref.decl);
        if (s->item)
          add(id, SymbolKind::Item, typed("", e.name, t) + "\n\nthe item of `" + s->name.name + "`",
              s->item->range, t);
        return;
      }
      case ast::NameRef::Kind::State: {
        auto* st = static_cast<const ast::StateStmt*>(e.ref.decl);
        add(id, SymbolKind::State, typed("state ", e.name, t) + stateNote(), st->name.range, t);
        return;
      }
      case ast::NameRef::Kind::FnParam: {
        auto* p = static_cast<const ast::FnParam*>(e.ref.decl);
        add(id, SymbolKind::FnParam,
            typed("", e.name, t) + (fn_ ? "\n\nparameter of `" + fn_->name.name + "`" : std::string()),
            p->name.range, t);
        return;
      }
      case ast::NameRef::Kind::Function: {
        auto* f = static_cast<const ast::FnDecl*>(e.ref.decl);
        add(id, SymbolKind::Function, code(oneLine(textUntil(f->range, f->body.range))), f->name.range);
        return;
      }
      case ast::NameRef::Kind::TestChannel: {
        auto* ch = static_cast<const ast::ChannelDecl*>(e.ref.decl);
        add(id, SymbolKind::Channel, describeChannel(*ch) + "\n\nin a test: what arrived on it, in order",
            ch->name.range, t);
        return;
      }
      case ast::NameRef::Kind::TestStage: {
        auto* st = static_cast<const ast::StageDecl*>(e.ref.decl);
        add(id, SymbolKind::Stage, describeStage(*st), st->name.range);
        return;
      }
      case ast::NameRef::Kind::TestResult:
        add(id, SymbolKind::Local, typed("", e.name, t) + "\n\nwhat the test's run did", {}, t);
        return;
      case ast::NameRef::Kind::Unresolved:
        return;
    }
  }

  void field(const ast::Expr& base, const ast::Ident& f, const ast::Type* t) {
    const ast::TypeDecl* rec = base.type ? base.type->record() : nullptr;
    if (!rec) return;
    for (const auto& fd : rec->fields)
      if (fd.name.name == f.name) add(f, SymbolKind::Field, fieldDetail(*rec, fd), fd.name.range, t);
  }

  void call(const ast::CallExpr& e) {
    if (e.fn) {
      add(e.callee, SymbolKind::Function, code(oneLine(textUntil(e.fn->range, e.fn->body.range))),
          e.fn->name.range, e.type);
    } else if (e.externFn) {
      add(e.callee, SymbolKind::ExternFunction,
          code(oneLine(text(e.externFn->range))) + "\n\nextern C++ function, from `" + e.externFn->header +
              "`",
          e.externFn->name.range, e.type);
    } else if (e.builtin != ast::Builtin::None) {
      add(e.callee, SymbolKind::Builtin,
          "built-in function `" + e.callee.name + "`" +
              (e.type && !e.type->isError() && !e.type->is(ast::Type::Kind::Void)
                   ? " → `" + e.type->str() + "`"
                   : std::string()) +
              " (docs/language.md, \"" + builtinSection(e.builtin) + "\")",
          {}, e.type);
    }
  }

  void recordLit(const ast::RecordLit& e) {
    const ast::TypeDecl* decl = e.decl;
    if (!decl) {
      for (const auto& t : module_.types)
        if (t->name == e.typeName.name) decl = t.get();
    }
    if (decl) add(e.typeName, SymbolKind::Type, describeType(*decl), decl->nameRange);
    for (const auto& f : e.fields) {
      if (decl)
        for (const auto& fd : decl->fields)
          if (fd.name.name == f.name.name)
            add(f.name, SymbolKind::Field, fieldDetail(*decl, fd), fd.name.range, fd.type.resolved);
      if (f.value) expr(*f.value);
    }
  }

  /// Makes run() note the record type of `x` in the `x.NAME` whose NAME is at `at`.
  void probeMemberAt(Place at) { probe_ = at; }
  [[nodiscard]] const ast::TypeDecl* probed() const { return probed_; }

 private:
  const ast::Module& module_;
  const llvm::SourceMgr& sources_;
  std::vector<Symbol> out_;
  Place probe_;
  const ast::TypeDecl* probed_ = nullptr;
  const ast::PipelineDecl* pipeline_ = nullptr;
  const ast::StageDecl* stage_ = nullptr;
  const ast::FnDecl* fn_ = nullptr;
};

}  // namespace

std::vector<Symbol> indexModule(const ast::Module& module, const llvm::SourceMgr& sources) {
  return Indexer(module, sources).run();
}

const ast::TypeDecl* recordOfMemberAt(const ast::Module& module, const llvm::SourceMgr& sources,
                                      unsigned buffer, std::size_t offset) {
  Indexer ix(module, sources);
  ix.probeMemberAt({buffer, offset, offset});
  (void)ix.run();
  return ix.probed();
}

}  // namespace flow::lsp
