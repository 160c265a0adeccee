// parse/mark_errors.cpp — which declarations hold a syntax error. After a
// syntax error the tree is the parser's best guess (a placeholder name, a
// missing body, tokens repaired to what was probably meant), so sema must not
// report on it again: each top-level declaration and each pipeline member
// whose text contains the offset of a syntax error gets hasSyntaxError, and
// sema declares its name and checks nothing else in it. A declaration owns
// the text from its first token up to the next declaration's first token,
// so an error found just after it (a missing `)` noticed at the newline)
// still counts as its own. Does not report anything.
#include <algorithm>
#include <vector>

#include "parse/parse_internal.h"

namespace flow::parse {
namespace {

/// One declaration in source order and the flag to set when it is broken.
struct Owner {
  const char* begin;
  const char* end;  // its own range's end, for "an error between declarations"
  bool* flag;
  bool lostName;
};

class ErrorMarker {
 public:
  ErrorMarker(const SyntaxErrorLog& errors) : text_(errors.text()) {
    for (std::size_t off : errors.offsets()) at_.push_back(text_.begin + std::min(off, text_.size));
    std::sort(at_.begin(), at_.end());
  }

  /// Sets every owner's flag whose extent holds an error; returns true when
  /// an error in [begin, end) lies outside every owner's own range, or an
  /// owner's name was lost (so something declared there may be missing).
  bool mark(std::vector<Owner>& owners, const char* begin, const char* end) {
    std::sort(owners.begin(), owners.end(), [](const Owner& a, const Owner& b) { return a.begin < b.begin; });
    bool lost = false;
    for (std::size_t i = 0; i < owners.size(); ++i) {
      const char* extentEnd = i + 1 < owners.size() ? owners[i + 1].begin : end;
      if (any(owners[i].begin, extentEnd)) *owners[i].flag = true;
      lost = lost || owners[i].lostName;
    }
    // Errors not inside any owner's own range: a declaration the parser
    // could not read at all, or stray tokens between two.
    const char* from = begin;
    for (const Owner& o : owners) {
      if (any(from, o.begin)) lost = true;
      from = std::max(from, o.end);
    }
    return lost || any(from, end);
  }

  [[nodiscard]] bool any(const char* begin, const char* end) const {
    auto it = std::lower_bound(at_.begin(), at_.end(), begin);
    return it != at_.end() && *it < end;
  }

 private:
  SourceText text_;
  std::vector<const char*> at_;
};

const char* beginOf(SourceRange r) { return r.begin.getPointer(); }
const char* endOf(SourceRange r) { return r.end.isValid() ? r.end.getPointer() : r.begin.getPointer(); }
bool lost(const std::string& name) { return name.empty() || name == ast::kErrorName; }

void markPipeline(ErrorMarker& marker, ast::PipelineDecl& p) {
  if (!p.range.isValid()) return;
  std::vector<Owner> owners;
  for (auto& ch : p.channels)
    if (ch && ch->range.isValid())
      owners.push_back({beginOf(ch->range), endOf(ch->range), &ch->hasSyntaxError, lost(ch->name.name)});
  for (auto& param : p.params)
    if (param && param->range.isValid())
      owners.push_back(
          {beginOf(param->range), endOf(param->range), &param->hasSyntaxError, lost(param->name.name)});
  for (auto& s : p.stages)
    if (s && s->range.isValid())
      owners.push_back({beginOf(s->range), endOf(s->range), &s->hasSyntaxError, lost(s->name.name)});
  // deadline and monitor own their text too (no flag: sema's checks of
  // them stay quiet on the placeholder expression).
  bool unused = false;
  for (const auto& m : p.members)
    if ((m.kind == ast::PipelineMember::Kind::Deadline || m.kind == ast::PipelineMember::Kind::Monitor) &&
        m.range.isValid())
      owners.push_back({beginOf(m.range), endOf(m.range), &unused, false});
  // The pipeline's own `pipeline NAME {` is not a member's.
  const char* bodyBegin = beginOf(p.range);
  if (!owners.empty())
    bodyBegin = std::min_element(owners.begin(), owners.end(), [](auto& a, auto& b) {
                  return a.begin < b.begin;
                })->begin;
  if (marker.mark(owners, bodyBegin, endOf(p.range))) p.lostMember = true;
  if (lost(p.name.name)) p.lostMember = true;
}

}  // namespace

void markSyntaxErrors(ast::Module& module, const SyntaxErrorLog& errors) {
  if (errors.offsets().empty()) return;
  ErrorMarker marker(errors);
  std::vector<Owner> owners;
  for (auto& t : module.types)
    if (t && t->range.isValid())
      owners.push_back({beginOf(t->range), endOf(t->range), &t->hasSyntaxError, lost(t->name)});
  for (auto& c : module.consts)
    if (c && c->range.isValid())
      owners.push_back({beginOf(c->range), endOf(c->range), &c->hasSyntaxError, lost(c->name.name)});
  for (auto& e : module.externs) {
    if (!e || !e->range.isValid()) continue;
    bool lostFn = false;
    for (const auto& fn : e->fns) lostFn = lostFn || lost(fn.name.name);
    owners.push_back({beginOf(e->range), endOf(e->range), &e->hasSyntaxError, lostFn});
  }
  for (auto& p : module.pipelines)
    if (p && p->range.isValid())
      owners.push_back({beginOf(p->range), endOf(p->range), &p->hasSyntaxError, lost(p->name.name)});
  for (auto& t : module.tests)
    if (t && t->range.isValid())
      owners.push_back({beginOf(t->range), endOf(t->range), &t->hasSyntaxError, false});
  const SourceText& text = errors.text();
  if (marker.mark(owners, text.begin, text.begin + text.size + 1)) module.lostDecl = true;
  for (auto& e : module.externs)
    if (e && e->hasSyntaxError)
      for (auto& fn : e->fns) fn.hasSyntaxError = true;
  for (auto& p : module.pipelines)
    if (p && p->hasSyntaxError) markPipeline(marker, *p);
}

}  // namespace flow::parse
