// sema/check_test.cpp — `test "name" [for P] { … }` (docs/language.md,
// "Testing pipelines"): which pipeline a test runs; its settings (params,
// workers, deadline: constants of the right type, each set once); the
// channels it writes (`input`, items of the channel's type) and reads
// (`output`), never both; and its expectations, bool expressions in the test
// scope — the pipeline's channels as the lists of what arrived on them,
// `stage.counter` and `channel.counter`, params, `exit_code`, `elapsed`,
// `printed`, and the module's consts and functions. Built-ins that need a
// running stage (`sleep`, `print`, `now`, …) are refused in a test (builtins.cpp).
// Does not decide which stages run: emit/ does, from these checked statements.
#include "sema/sema_impl.h"

namespace flow::sema {
namespace {

using K = ast::Type::Kind;

/// The names of a test's counters (the --stats columns, `in`/`out` spelled
/// `items_in`/`items_out`: `in` is a keyword).
const std::vector<std::string> kStageCounters = {"items_in", "items_out", "failed",
                                                 "retried",  "timed_out", "workers"};
const std::vector<std::string> kChannelCounters = {"sent", "received", "dropped", "max_len", "capacity"};

template <class T>
T* findNamed(const std::vector<std::unique_ptr<T>>& items, const std::string& name) {
  for (const auto& i : items)
    if (i && i->name.name == name) return i.get();
  return nullptr;
}

template <class T>
std::vector<std::string> namesOf(const std::vector<std::unique_ptr<T>>& items) {
  std::vector<std::string> out;
  for (const auto& i : items)
    if (i) out.push_back(i->name.name);
  return out;
}

}  // namespace

void Sema::checkTests() {
  for (auto& t : module_.tests)
    if (t && !t->hasSyntaxError) checkTest(*t);
  testPipeline_ = nullptr;
  context_ = ExprContext::Module;
}

const ast::PipelineDecl* Sema::testedPipeline(const ast::TestDecl& t) {
  std::string all;
  for (const auto& p : module_.pipelines)
    if (p) all += std::string(all.empty() ? "" : ", ") + "`" + p->name.name + "`";
  if (t.pipelineName) {
    for (const auto& p : module_.pipelines)
      if (p && p->name.name == t.pipelineName->name) return p.get();
    if (!isErrorName(t.pipelineName->name) && !module_.lostDecl)
      diags_.report(DiagKind::UnknownPipeline, t.pipelineName->range,
                    "no pipeline named `" + t.pipelineName->name + "`" +
                        (all.empty() ? "; the file declares none" : "; the file declares " + all));
    return nullptr;
  }
  if (module_.pipelines.size() == 1) return module_.pipelines.front().get();
  if (module_.lostDecl) return nullptr;
  diags_.report(DiagKind::UnknownPipeline, t.nameRange.isValid() ? t.nameRange : t.range,
                module_.pipelines.empty()
                    ? "test \"" + t.name + "\" has no pipeline to run; the file declares none"
                    : "the file declares several pipelines (" + all +
                          "); say which one this test runs: `test \"" + t.name + "\" for NAME`");
  return nullptr;
}

void Sema::checkTest(ast::TestDecl& t) {
  const ast::PipelineDecl* p = testedPipeline(t);
  if (!p || p->hasSyntaxError) return;
  t.pipeline = p;
  testPipeline_ = p;
  std::unordered_map<std::string, SourceRange> params, workers, inputs, outputs;
  SourceRange deadline;
  auto once = [&](std::unordered_map<std::string, SourceRange>& seen, const ast::Ident& id,
                  const std::string& what) {
    auto [it, fresh] = seen.emplace(id.name, id.range);
    if (!fresh)
      diags_.report(DiagKind::TestConflict, id.range, what + " twice in this test")
          .note(it->second, "first here");
    return fresh;
  };
  for (ast::TestStmt& s : t.stmts) {
    context_ = ExprContext::Module;
    inTest_ = true;
    switch (s.kind) {
      case ast::TestStmt::Kind::Param: {
        ast::ParamDecl* param = findNamed(p->params, s.name.name);
        if (!param) {
          unknownInTest(s.name, "param", namesOf(p->params), *p);
          checkValue(s.value.get());
          break;
        }
        once(params, s.name, "param `" + s.name.name + "` is set");
        const ast::Type* want = param->type.resolved ? param->type.resolved : types_.errorType();
        checkConstExpr(s.value.get(), want, ExprContext::Module, "the value of param `" + s.name.name + "`");
        break;
      }
      case ast::TestStmt::Kind::Workers: {
        if (!findNamed(p->stages, s.name.name)) {
          unknownInTest(s.name, "stage", namesOf(p->stages), *p);
          checkValue(s.value.get());
          break;
        }
        once(workers, s.name, "the workers of `" + s.name.name + "` are set");
        ConstResult r = checkConstExpr(s.value.get(), types_.intType(), ExprContext::Module, "`workers`");
        if (r.isKnown() && r.value.i < 1)
          diags_.report(
              DiagKind::WorkersNotPositive, s.value->range,
              "`" + s.name.name + "` has " + std::to_string(r.value.i) + " workers; it needs at least 1");
        break;
      }
      case ast::TestStmt::Kind::Deadline: {
        if (deadline.isValid())
          diags_.report(DiagKind::TestConflict, s.range, "`deadline` is set twice in this test")
              .note(deadline, "first here");
        deadline = s.range;
        ConstResult r =
            checkConstExpr(s.value.get(), types_.durationType(), ExprContext::Module, "`deadline`");
        requirePositiveDuration(r, s.value.get(), "`deadline`");
        break;
      }
      case ast::TestStmt::Kind::Input: {
        const ast::ChannelDecl* ch = findNamed(p->channels, s.name.name);
        if (!ch) {
          unknownInTest(s.name, "channel", namesOf(p->channels), *p);
          checkValue(s.value.get());
          break;
        }
        if (once(inputs, s.name, "`" + s.name.name + "` is an `input`") && outputs.count(s.name.name))
          diags_
              .report(DiagKind::TestConflict, s.name.range,
                      "`" + s.name.name +
                          "` is both an `input` and an `output` of this test; the test writes it " +
                          "or reads it, not both")
              .note(outputs[s.name.name], "an `output` here");
        const ast::Type* elem = ch->elementType.resolved ? ch->elementType.resolved : types_.errorType();
        expectType(types_.listOf(elem), s.value.get(), "the items of `input " + s.name.name + "`");
        break;
      }
      case ast::TestStmt::Kind::Output:
        for (const ast::Ident& id : s.names) {
          if (!findNamed(p->channels, id.name)) {
            unknownInTest(id, "channel", namesOf(p->channels), *p);
            continue;
          }
          if (once(outputs, id, "`" + id.name + "` is an `output`") && inputs.count(id.name))
            diags_
                .report(DiagKind::TestConflict, id.range,
                        "`" + id.name +
                            "` is both an `input` and an `output` of this test; the test writes it " +
                            "or reads it, not both")
                .note(inputs[id.name], "an `input` here");
        }
        break;
      case ast::TestStmt::Kind::Expect:
        checkExpect(s);
        break;
    }
    inTest_ = false;
  }
  context_ = ExprContext::Module;
}

void Sema::unknownInTest(const ast::Ident& id, const std::string& what, const std::vector<std::string>& names,
                         const ast::PipelineDecl& p) {
  if (isErrorName(id.name) || p.lostMember) return;
  const DiagKind kind = what == "channel" ? DiagKind::UnknownChannel : DiagKind::UnknownName;
  diags_.report(
      kind, id.range,
      "pipeline `" + p.name.name + "` has no " + what + " `" + id.name + "`" + didYouMean(id.name, names));
}

void Sema::checkExpect(ast::TestStmt& s) {
  context_ = ExprContext::Test;
  const ast::Type* t = checkValue(s.value.get());
  context_ = ExprContext::Module;
  if (isErrorish(t)) return;
  if (!t->is(K::Bool)) {
    diags_.report(DiagKind::TypeMismatch, s.value->range,
                  "`expect` needs a condition of type `bool`, found `" + t->str() + "`");
    return;
  }
  if (!s.anyOrder) return;
  auto* eq = llvm::dyn_cast<ast::BinaryExpr>(s.value.get());
  const bool lists = eq && eq->op == ast::BinaryOp::Eq && eq->lhs->type && eq->lhs->type->is(K::List) &&
                     eq->rhs->type && eq->rhs->type->is(K::List);
  if (!lists)
    diags_.report(
        DiagKind::AnyOrderNotEquality, s.value->range,
        "`in any order` compares two lists with `==` (`expect done == [a, b] in any order`); this " +
            std::string("condition is not such a comparison"));
}

const ast::Type* Sema::checkTestName(ast::NameExpr& e, bool& found) {
  found = true;
  const ast::PipelineDecl& p = *testPipeline_;
  if (const ast::ChannelDecl* ch = findNamed(p.channels, e.name)) {
    e.ref = {ast::NameRef::Kind::TestChannel, ch};
    return ch->elementType.resolved ? types_.listOf(ch->elementType.resolved) : types_.errorType();
  }
  if (const ast::StageDecl* st = findNamed(p.stages, e.name)) {
    diags_
        .report(DiagKind::NotAValue, e.range,
                "`" + e.name + "` is a stage, not a value; a test reads its counters: `" + e.name +
                    ".failed`, `" + e.name + ".items_in`, …")
        .note(st->name.range, "`" + e.name + "` declared here");
    return types_.errorType();
  }
  if (const ast::ParamDecl* param = findNamed(p.params, e.name)) {
    e.ref = {ast::NameRef::Kind::Param, param};
    return param->type.resolved ? param->type.resolved : types_.errorType();
  }
  if (e.name == "exit_code" || e.name == "elapsed" || e.name == "printed") {
    e.ref = {ast::NameRef::Kind::TestResult, nullptr};
    if (e.name == "exit_code") return types_.intType();
    if (e.name == "elapsed") return types_.durationType();
    return types_.listOf(types_.stringType());
  }
  found = false;
  return nullptr;
}

const ast::Type* Sema::checkTestCounter(ast::FieldExpr& e, bool& found) {
  found = false;
  auto* base = llvm::dyn_cast<ast::NameExpr>(e.base.get());
  if (!base) return nullptr;
  const ast::PipelineDecl& p = *testPipeline_;
  const ast::StageDecl* st = findNamed(p.stages, base->name);
  const ast::ChannelDecl* ch = st ? nullptr : findNamed(p.channels, base->name);
  if (!st && !ch) return nullptr;
  found = true;
  const std::vector<std::string>& counters = st ? kStageCounters : kChannelCounters;
  if (st) {
    base->ref = {ast::NameRef::Kind::TestStage, st};
    base->type = types_.intType();  // never a value by itself; typed for the dump
  } else {
    base->ref = {ast::NameRef::Kind::TestChannel, ch};
    base->type = ch->elementType.resolved ? types_.listOf(ch->elementType.resolved) : types_.errorType();
  }
  if (std::find(counters.begin(), counters.end(), e.field.name) != counters.end()) return types_.intType();
  std::string list;
  for (std::size_t i = 0; i < counters.size(); ++i) list += (i ? ", `" : "`") + counters[i] + "`";
  diags_.report(DiagKind::UnknownField, e.field.range,
                std::string(st ? "stage" : "channel") + " `" + base->name + "` has no counter `" +
                    e.field.name + "`" + didYouMean(e.field.name, counters) + "; a test reads " + list);
  return types_.errorType();
}

}  // namespace flow::sema
