// ast/dump.cpp — the deterministic AST dump behind `flowc check --emit=ast`,
// the test surface of parse/ and sema/. One node per line, children indented
// by two spaces, in source order; every node ends with `@line:col` (where its
// range begins; `@?` for a synthesized node); no pointers, no hash order.
// Once sema has annotated an expression (expr->type set) the line shows
// ` : type` before the position. Does not validate the tree.
//
//   Module worker_pool.flow
//     TypeDecl Job @2:6
//       Field processed: bool @4:3
//         BoolLit false @4:22
//     Pipeline worker_pool @7:10
//       Stage work(job from todo) -> done @19:3
//         Workers @19:39
//           IntLit 10 @19:47
#include "ast/dump.h"

#include <llvm/Support/Casting.h>
#include <llvm/Support/Path.h>

#include <algorithm>

#include <string>

namespace flow::ast {
namespace {

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      case '{':
        out += "{{";
        break;
      case '}':
        out += "}}";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string typeRefText(const TypeRef& t) {
  auto part = [](const std::unique_ptr<TypeRef>& p) { return p ? typeRefText(*p) : std::string("?"); };
  if (t.kind == TypeRef::Kind::List) return "[" + part(t.element) + "]";
  if (t.kind == TypeRef::Kind::Map) return "{" + part(t.key) + ": " + part(t.element) + "}";
  if (t.kind == TypeRef::Kind::Generic) return t.name + "<" + part(t.element) + ">";
  return t.name;
}

std::string joinIdents(const std::vector<Ident>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i].name;
  return out;
}

class Dumper {
 public:
  Dumper(const llvm::SourceMgr& sources, llvm::raw_ostream& os) : sources_(sources), os_(os) {}

  void module(const Module& m) {
    os_ << "Module " << llvm::sys::path::filename(m.fileName) << "\n";
    // Top-level declarations in source order, whatever their kind.
    struct Top {
      const char* at;
      int kind;
      const void* decl;
    };
    std::vector<Top> tops;
    for (const auto& d : m.types) tops.push_back({d->range.begin.getPointer(), 0, d.get()});
    for (const auto& d : m.consts) tops.push_back({d->range.begin.getPointer(), 1, d.get()});
    for (const auto& d : m.externs) tops.push_back({d->range.begin.getPointer(), 2, d.get()});
    for (const auto& d : m.pipelines) tops.push_back({d->range.begin.getPointer(), 3, d.get()});
    for (const auto& d : m.fns) tops.push_back({d->range.begin.getPointer(), 4, d.get()});
    for (const auto& d : m.tests) tops.push_back({d->range.begin.getPointer(), 5, d.get()});
    // Source order: by file (a test file follows the file it tests), then
    // by place in it — never by address across two buffers.
    auto bufferOf = [&](const char* at) {
      return sources_.FindBufferContainingLoc(llvm::SMLoc::getFromPointer(at));
    };
    std::stable_sort(tops.begin(), tops.end(), [&](const Top& a, const Top& b) {
      const unsigned ba = bufferOf(a.at), bb = bufferOf(b.at);
      return ba != bb ? ba < bb : a.at < b.at;
    });
    Indent in(depth_);
    for (const Top& t : tops) {
      if (t.kind == 0) typeDecl(*static_cast<const TypeDecl*>(t.decl));
      if (t.kind == 1) constDecl(*static_cast<const ConstDecl*>(t.decl));
      if (t.kind == 2) externBlock(*static_cast<const ExternBlock*>(t.decl));
      if (t.kind == 3) pipeline(*static_cast<const PipelineDecl*>(t.decl));
      if (t.kind == 4) fnDecl(*static_cast<const FnDecl*>(t.decl));
      if (t.kind == 5) testDecl(*static_cast<const TestDecl*>(t.decl));
    }
  }

 private:
  struct Indent {
    explicit Indent(unsigned& d) : d_(d) { ++d_; }
    ~Indent() { --d_; }
    unsigned& d_;
  };

  void line(const std::string& text, SourceRange range, const Type* type = nullptr) {
    os_.indent(depth_ * 2) << text;
    if (type != nullptr) os_ << " : " << type->str();
    os_ << " " << pos(range) << "\n";
  }

  std::string pos(SourceRange range) const {
    if (!range.isValid()) return "@?";
    auto [l, c] = sources_.getLineAndColumn(range.begin);
    return "@" + std::to_string(l) + ":" + std::to_string(c);
  }

  void typeDecl(const TypeDecl& d) {
    line("TypeDecl " + d.name, d.nameRange.isValid() ? d.nameRange : d.range);
    Indent in(depth_);
    for (const FieldDecl& f : d.fields) {
      line("Field " + f.name.name + ": " + typeRefText(f.type), f.name.range);
      Indent in2(depth_);
      if (f.defaultValue) expr(*f.defaultValue);
    }
  }

  void constDecl(const ConstDecl& d) {
    line("Const " + d.name.name, d.name.range);
    Indent in(depth_);
    if (d.value) expr(*d.value);
  }

  static std::string signature(const std::string& name, const std::vector<FnParam>& params,
                               const std::optional<TypeRef>& result) {
    std::string text = "Fn " + name + "(";
    for (std::size_t i = 0; i < params.size(); ++i)
      text += (i ? ", " : "") + params[i].name.name + ": " + typeRefText(params[i].type);
    text += ")";
    if (result) text += " -> " + typeRefText(*result);
    return text;
  }

  void externBlock(const ExternBlock& b) {
    line("Extern " + quoted(b.header), b.range);
    Indent in(depth_);
    for (const ExternFn& fn : b.fns) line(signature(fn.name.name, fn.params, fn.result), fn.name.range);
  }

  void fnDecl(const FnDecl& fn) {
    line(signature(fn.name.name, fn.params, fn.result), fn.name.range);
    Indent in(depth_);
    block("Body", fn.body);
  }

  void pipeline(const PipelineDecl& p) {
    line("Pipeline " + p.name.name, p.name.range);
    Indent in(depth_);
    for (const PipelineMember& m : p.members) {
      switch (m.kind) {
        case PipelineMember::Kind::Param:
          param(*m.param);
          break;
        case PipelineMember::Kind::Deadline:
        case PipelineMember::Kind::Monitor: {
          line(m.kind == PipelineMember::Kind::Deadline ? "Deadline" : "Monitor", m.range);
          Indent in2(depth_);
          if (m.expr) expr(*m.expr);
          break;
        }
        case PipelineMember::Kind::Channel:
          channel(*m.channel);
          break;
        case PipelineMember::Kind::Stage:
          stage(*m.stage);
          break;
      }
    }
  }

  void testDecl(const TestDecl& t) {
    std::string head = "Test " + quoted(t.name);
    if (t.pipelineName) head += " for " + t.pipelineName->name;
    line(head, t.nameRange.isValid() ? t.nameRange : t.range);
    Indent in(depth_);
    for (const TestStmt& s : t.stmts) {
      switch (s.kind) {
        case TestStmt::Kind::Param:
          line("TestParam " + s.name.name, s.range);
          break;
        case TestStmt::Kind::Workers:
          line("TestWorkers " + s.name.name, s.range);
          break;
        case TestStmt::Kind::Deadline:
          line("TestDeadline", s.range);
          break;
        case TestStmt::Kind::Input:
          line("TestInput " + s.name.name, s.range);
          break;
        case TestStmt::Kind::Output: {
          std::string names;
          for (const Ident& n : s.names) names += (names.empty() ? "" : ", ") + n.name;
          line("TestOutput " + names, s.range);
          break;
        }
        case TestStmt::Kind::Expect:
          line(s.anyOrder ? "TestExpect in any order" : "TestExpect", s.range);
          break;
      }
      Indent in2(depth_);
      if (s.value) expr(*s.value);
    }
  }

  void param(const ParamDecl& p) {
    line("Param " + p.name.name + ": " + typeRefText(p.type), p.name.range);
    Indent in(depth_);
    if (p.defaultValue) expr(*p.defaultValue);
  }

  void channel(const ChannelDecl& c) {
    const char* role = c.role == ChannelRole::Input    ? "Input "
                       : c.role == ChannelRole::Output ? "Output "
                                                       : "Channel ";
    std::string text = role + c.name.name + ": " + typeRefText(c.elementType);
    if (c.overflow == Overflow::DropNewest) text += " overflow drop_newest";
    if (c.overflow == Overflow::DropOldest) text += " overflow drop_oldest";
    line(text, c.name.range);
    Indent in(depth_);
    if (c.capacity) expr(*c.capacity);
  }

  void stage(const StageDecl& s) {
    std::string text = s.kind == StageDecl::Kind::Source ? "Source "
                       : s.kind == StageDecl::Kind::Sink ? "Sink "
                                                         : "Stage ";
    text += s.name.name;
    if (s.item)
      text += "(" + s.item->name + " from " + joinIdents(s.inputs) + (s.batchSize ? " batch" : "") + ")";
    if (!s.outputs.empty()) text += " -> " + joinIdents(s.outputs);
    line(text, s.name.range);
    Indent in(depth_);
    if (s.batchSize) {
      line("Batch", s.batchRange);
      Indent in2(depth_);
      expr(*s.batchSize);
      if (s.batchWithin) {
        line("Within", s.batchWithin->range);
        Indent in3(depth_);
        expr(*s.batchWithin);
      }
    }
    for (const StageAttr& a : s.attrs) attr(a);
    block("Body", s.body);
  }

  void attr(const StageAttr& a) {
    switch (a.kind) {
      case StageAttr::Kind::Workers:
        line("Workers", a.range);
        break;
      case StageAttr::Kind::Timeout:
        line("Timeout", a.range);
        break;
      case StageAttr::Kind::Retry:
        line("Retry", a.range);
        break;
      case StageAttr::Kind::Ordered:
        line("Ordered", a.range);
        break;
      case StageAttr::Kind::Key:
        line("Key", a.range);
        break;
      case StageAttr::Kind::OnError: {
        const char* policy = a.onError == OnError::Stop    ? "stop"
                             : a.onError == OnError::Route ? "route"
                                                           : "drop";
        std::string text = std::string("OnError ") + policy;
        if (a.routeChannel) text += " " + a.routeChannel->name;
        line(text, a.range);
        break;
      }
    }
    Indent in(depth_);
    if (a.value) expr(*a.value);
    if (a.backoff) {
      line("Backoff", a.backoff->range);
      Indent in2(depth_);
      expr(*a.backoff);
    }
  }

  void block(const char* label, const Block& b) {
    line(label, b.range);
    Indent in(depth_);
    for (const StmtPtr& s : b.stmts) stmt(*s);
  }

  void stmt(const Stmt& s) {
    if (auto* l = llvm::dyn_cast<LetStmt>(&s)) {
      line((l->isMutable ? "Var " : "Let ") + l->name.name +
               (l->declType ? ": " + typeRefText(*l->declType) : ""),
           s.range);
      Indent in(depth_);
      expr(*l->init);
    } else if (auto* a = llvm::dyn_cast<AssignStmt>(&s)) {
      line(std::string("Assign ") + (a->op ? std::string(spelling(*a->op)) + "=" : "="), s.range);
      Indent in(depth_);
      expr(*a->target);
      expr(*a->value);
    } else if (auto* i = llvm::dyn_cast<IfStmt>(&s)) {
      line("If", s.range);
      Indent in(depth_);
      expr(*i->cond);
      block("Then", i->then);
      if (i->otherwise) block("Else", *i->otherwise);
    } else if (auto* f = llvm::dyn_cast<ForStmt>(&s)) {
      std::string text = "For " + f->var.name;
      if (f->second) text += ", " + f->second->name;
      text += f->isRange() ? " in range" : " in";
      if (f->varType != nullptr) text += " : " + f->varType->str();
      if (f->secondType != nullptr) text += ", " + f->secondType->str();
      line(text, s.range);
      Indent in(depth_);
      expr(*f->iterable);
      if (f->hi) expr(*f->hi);
      block("Body", f->body);
    } else if (auto* w = llvm::dyn_cast<WhileStmt>(&s)) {
      line("While", s.range);
      Indent in(depth_);
      expr(*w->cond);
      block("Body", w->body);
    } else if (llvm::isa<BreakStmt>(&s)) {
      line("Break", s.range);
    } else if (llvm::isa<ContinueStmt>(&s)) {
      line("Continue", s.range);
    } else if (auto* r = llvm::dyn_cast<ReturnStmt>(&s)) {
      line("Return", s.range);
      Indent in(depth_);
      if (r->value) expr(*r->value);
    } else if (auto* send = llvm::dyn_cast<SendStmt>(&s)) {
      std::string text = send->isTry ? "Try" : "";
      text += send->isEmit() ? "Emit" : "Send " + send->channel->name;
      line(text, s.range);
      Indent in(depth_);
      expr(*send->value);
      if (send->otherwise) block("Else", *send->otherwise);
    } else if (auto* fail = llvm::dyn_cast<FailStmt>(&s)) {
      line("Fail", s.range);
      Indent in(depth_);
      expr(*fail->message);
    } else if (auto* st = llvm::dyn_cast<StateStmt>(&s)) {
      line("State " + st->name.name + (st->declType ? ": " + typeRefText(*st->declType) : ""), s.range);
      Indent in(depth_);
      expr(*st->init);
    } else if (auto* every = llvm::dyn_cast<EveryStmt>(&s)) {
      line("Every", s.range);
      Indent in(depth_);
      expr(*every->period);
      block("Body", every->body);
    } else if (auto* fin = llvm::dyn_cast<FinallyStmt>(&s)) {
      block("Finally", fin->body);
    } else if (auto* e = llvm::dyn_cast<ExprStmt>(&s)) {
      line("ExprStmt", s.range);
      Indent in(depth_);
      expr(*e->expr);
    }
  }

  void expr(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::IntLit:
        line("IntLit " + std::to_string(llvm::cast<IntLit>(e).value), e.range, e.type);
        return;
      case Expr::Kind::FloatLit:
        line("FloatLit " + llvm::cast<FloatLit>(e).spelling, e.range, e.type);
        return;
      case Expr::Kind::BoolLit:
        line(std::string("BoolLit ") + (llvm::cast<BoolLit>(e).value ? "true" : "false"), e.range, e.type);
        return;
      case Expr::Kind::DurationLit:
        line("DurationLit " + std::to_string(llvm::cast<DurationLit>(e).nanoseconds) + "ns", e.range, e.type);
        return;
      case Expr::Kind::StringLit: {
        const auto& s = llvm::cast<StringLit>(e);
        if (s.isPlain()) {
          line("StringLit " + quoted(s.plainText()), e.range, e.type);
          return;
        }
        line("StringLit", e.range, e.type);
        Indent in(depth_);
        for (const StringLit::Piece& p : s.pieces) {
          if (p.expr) {
            expr(*p.expr);
            if (p.spec) os_.indent(depth_ * 2) << "Spec " << quoted(p.spec->text) << "\n";
          } else
            os_.indent(depth_ * 2) << "Text " << quoted(p.text) << "\n";
        }
        return;
      }
      case Expr::Kind::ListLit: {
        line("ListLit", e.range, e.type);
        Indent in(depth_);
        for (const ExprPtr& x : llvm::cast<ListLit>(e).elements) expr(*x);
        return;
      }
      case Expr::Kind::MapLit: {
        line("MapLit", e.range, e.type);
        Indent in(depth_);
        for (const MapLit::Entry& entry : llvm::cast<MapLit>(e).entries) {
          expr(*entry.key);
          Indent in2(depth_);
          expr(*entry.value);
        }
        return;
      }
      case Expr::Kind::RecordLit: {
        const auto& r = llvm::cast<RecordLit>(e);
        line("RecordLit " + r.typeName.name, e.range, e.type);
        Indent in(depth_);
        for (const RecordLit::FieldInit& f : r.fields) {
          line("FieldInit " + f.name.name, f.name.range);
          Indent in2(depth_);
          expr(*f.value);
        }
        return;
      }
      case Expr::Kind::Name:
        line("Name " + llvm::cast<NameExpr>(e).name, e.range, e.type);
        return;
      case Expr::Kind::Field: {
        const auto& f = llvm::cast<FieldExpr>(e);
        line("Field ." + f.field.name, e.range, e.type);
        Indent in(depth_);
        expr(*f.base);
        return;
      }
      case Expr::Kind::Index: {
        const auto& x = llvm::cast<IndexExpr>(e);
        line("Index", e.range, e.type);
        Indent in(depth_);
        expr(*x.base);
        expr(*x.index);
        return;
      }
      case Expr::Kind::Call: {
        const auto& c = llvm::cast<CallExpr>(e);
        line("Call " + c.callee.name, e.range, e.type);
        Indent in(depth_);
        for (const ExprPtr& a : c.args) expr(*a);
        return;
      }
      case Expr::Kind::Unary: {
        const auto& u = llvm::cast<UnaryExpr>(e);
        line(std::string("Unary ") + spelling(u.op), e.range, e.type);
        Indent in(depth_);
        expr(*u.operand);
        return;
      }
      case Expr::Kind::Binary: {
        const auto& b = llvm::cast<BinaryExpr>(e);
        line(std::string("Binary ") + spelling(b.op), e.range, e.type);
        Indent in(depth_);
        expr(*b.lhs);
        expr(*b.rhs);
        return;
      }
    }
  }

  const llvm::SourceMgr& sources_;
  llvm::raw_ostream& os_;
  unsigned depth_ = 0;
};

}  // namespace

void dump(const Module& module, const llvm::SourceMgr& sources, llvm::raw_ostream& os) {
  Dumper(sources, os).module(module);
}

}  // namespace flow::ast
