// lsp/document.cpp — analysis and per-document requests (document.h).
// Diagnostics are DiagnosticEngine's, deduplicated and ordered as `flowc
// check` prints them; a diagnostic's notes become related information.
// Completion after `x.` analyses the text once more with a placeholder name
// after the dot, so the half-written member access parses and sema types
// `x`.
#include "lsp/document.h"

#include <llvm/Support/MemoryBuffer.h>

#include <algorithm>

#include "format/format.h"
#include "lsp/positions.h"
#include "parse/parse.h"
#include "sema/sema.h"

namespace flow::lsp {
namespace {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

// CompletionItemKind values of the protocol.
int completionKind(SymbolKind k) {
  switch (k) {
    case SymbolKind::Pipeline:
      return 9;  // Module
    case SymbolKind::Channel:
      return 23;  // Event
    case SymbolKind::Stage:
      return 3;  // Function
    case SymbolKind::Param:
    case SymbolKind::Const:
      return 21;  // Constant
    case SymbolKind::Type:
      return 22;  // Struct
    case SymbolKind::Field:
      return 5;  // Field
    case SymbolKind::Local:
    case SymbolKind::State:
    case SymbolKind::Item:
    case SymbolKind::Worker:
    case SymbolKind::FnParam:
      return 6;  // Variable
    case SymbolKind::Function:
    case SymbolKind::ExternFunction:
    case SymbolKind::Builtin:
      return 3;  // Function
  }
  return 1;  // Text
}

constexpr const char kPlaceholder[] = "flow_completion_placeholder";

bool hasSyntaxError(const Document::Analysis& a) {
  return std::any_of(a.diags->diagnostics().begin(), a.diags->diagnostics().end(),
                     [](const Diagnostic& d) { return d.kind == DiagKind::SyntaxError; });
}

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

Document::Document(std::string uri, std::string text) : uri_(std::move(uri)), path_(uriToPath(uri_)) {
  setText(std::move(text));
}

void Document::setText(std::string text) {
  text_ = std::move(text);
  analysis_ = analyze(text_);
}

std::unique_ptr<Document::Analysis> Document::analyze(const std::string& text) const {
  auto a = std::make_unique<Analysis>();
  a->diags = std::make_unique<DiagnosticEngine>(a->sources);
  // A test file is analysed with the file it tests, as `flowc check` does;
  // that file is read from the disk.
  std::unique_ptr<ast::Module> subject;
  const std::string subjectPath = ast::subjectOfTestFile(path_);
  if (!subjectPath.empty()) {
    if (auto file = llvm::MemoryBuffer::getFile(subjectPath, /*IsText=*/true)) {
      const unsigned id = a->sources.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
      subject = parseModule(id, *a->diags);
    }
  }
  a->buffer = a->sources.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, path_), llvm::SMLoc());
  a->module = parseModule(a->buffer, *a->diags);
  if (subject) {
    ast::appendDeclarations(*subject, *a->module);
    a->module = std::move(subject);
  }
  a->module->fileName = path_;
  checkModule(*a->module, *a->diags);
  a->symbols = indexModule(*a->module, a->sources);
  return a;
}

Value Document::location(const Analysis& a, const Place& p) const {
  const llvm::MemoryBuffer* buffer = a.sources.getMemoryBuffer(p.buffer);
  LineTable lines(buffer->getBuffer());
  std::string uri = p.buffer == a.buffer ? uri_ : pathToUri(buffer->getBufferIdentifier().str());
  return Object{{"uri", uri}, {"range", lines.range(p.begin, p.end)}};
}

Value Document::diagnostics() const {
  const Analysis& a = *analysis_;
  LineTable lines(text_);
  std::vector<const Diagnostic*> order;
  for (const Diagnostic& d : a.diags->diagnostics()) order.push_back(&d);
  std::stable_sort(order.begin(), order.end(), [](const Diagnostic* x, const Diagnostic* y) {
    return x->range.begin.getPointer() < y->range.begin.getPointer();
  });
  Array out;
  const Diagnostic* prev = nullptr;
  const char* base = a.sources.getMemoryBuffer(a.buffer)->getBufferStart();
  auto offsetOf = [&](llvm::SMLoc loc) -> std::size_t {
    if (!loc.isValid() || a.sources.FindBufferContainingLoc(loc) != a.buffer) return 0;
    return static_cast<std::size_t>(loc.getPointer() - base);
  };
  for (const Diagnostic* d : order) {
    // This document's diagnostics (a test file's subject has its own).
    if (d->range.begin.isValid() && a.sources.FindBufferContainingLoc(d->range.begin) != a.buffer) continue;
    if (prev && prev->kind == d->kind && prev->range.begin == d->range.begin && prev->message == d->message)
      continue;
    prev = d;
    const std::size_t begin = offsetOf(d->range.begin);
    const std::size_t end = d->range.end.isValid() ? std::max(begin, offsetOf(d->range.end)) : begin;
    Object diag{{"range", lines.range(begin, end)},
                {"severity", d->severity == Severity::Error     ? 1
                             : d->severity == Severity::Warning ? 2
                                                                : 3},
                {"code", std::string(diagKindName(d->kind))},
                {"source", "flowc"},
                {"message", d->message}};
    Array related;
    for (const Note& n : d->notes) {
      if (!n.range.isValid()) continue;
      Place p;
      p.buffer = a.sources.FindBufferContainingLoc(n.range.begin);
      if (p.buffer == 0) continue;
      const char* start = a.sources.getMemoryBuffer(p.buffer)->getBufferStart();
      p.begin = static_cast<std::size_t>(n.range.begin.getPointer() - start);
      p.end = n.range.end.isValid() ? static_cast<std::size_t>(n.range.end.getPointer() - start) : p.begin;
      related.push_back(Object{{"location", location(a, p)}, {"message", n.message}});
    }
    if (!related.empty()) diag["relatedInformation"] = std::move(related);
    out.push_back(std::move(diag));
  }
  return Object{{"uri", uri_}, {"diagnostics", std::move(out)}};
}

const Symbol* Document::symbolAt(std::size_t offset) const {
  const Symbol* best = nullptr;
  for (const Symbol& s : analysis_->symbols) {
    if (s.at.buffer != analysis_->buffer || offset < s.at.begin || offset > s.at.end) continue;
    // The innermost (shortest) occurrence wins; at a boundary, the one that
    // starts there (`a.b`: on `b`, not the end of `a`).
    if (!best || (s.at.end - s.at.begin) < (best->at.end - best->at.begin) || s.at.begin == offset) best = &s;
  }
  return best;
}

Value Document::hover(int line, int character) const {
  LineTable lines(text_);
  const Symbol* s = symbolAt(lines.offset(line, character));
  if (!s || s->detail.empty()) return nullptr;
  return Object{{"contents", Object{{"kind", "markdown"}, {"value", s->detail}}},
                {"range", lines.range(s->at.begin, s->at.end)}};
}

Value Document::definition(int line, int character) const {
  LineTable lines(text_);
  const Symbol* s = symbolAt(lines.offset(line, character));
  if (!s || !s->decl.isValid()) return nullptr;
  return location(*analysis_, s->decl);
}

Value Document::completion(int line, int character) const {
  LineTable lines(text_);
  const std::size_t offset = lines.offset(line, character);
  // The word being typed ends at the cursor; the analysis sees a whole name there.
  std::size_t start = offset;
  while (start > 0 && isNameChar(text_[start - 1])) --start;
  const bool member = start > 0 && text_[start - 1] == '.';
  std::unique_ptr<Analysis> patched;
  const Analysis* a = analysis_.get();
  if (member || hasSyntaxError(*a)) {
    // A half-written line: complete it with a name so that it parses.
    patched = analyze(text_.substr(0, start) + kPlaceholder + text_.substr(offset));
    a = patched.get();
  }
  Array items;
  auto item = [&](const std::string& label, int kind, const std::string& detail) {
    items.push_back(Object{{"label", label}, {"kind", kind}, {"detail", detail}});
  };
  if (member) {
    // The placeholder is the field of `x.`: offer the fields of x's record type.
    if (const ast::TypeDecl* record = recordOfMemberAt(*a->module, a->sources, a->buffer, start))
      for (const auto& f : record->fields)
        item(f.name.name, completionKind(SymbolKind::Field), f.type.resolved ? f.type.resolved->str() : "");
    return Object{{"isIncomplete", false}, {"items", std::move(items)}};
  }
  for (const Symbol& s : namesInScope(*a->module, a->sources, a->buffer, start))
    item(s.name, completionKind(s.kind), s.detail);
  return Object{{"isIncomplete", false}, {"items", std::move(items)}};
}

std::optional<Value> Document::formatting() const {
  llvm::SourceMgr sources;
  DiagnosticEngine diags(sources);
  unsigned id = sources.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text_, path_), llvm::SMLoc());
  std::optional<std::string> formatted = format::formatBuffer(id, diags);
  if (!formatted) return std::nullopt;
  Array edits;
  if (*formatted != text_) {
    LineTable lines(text_);
    edits.push_back(Object{{"range", lines.range(0, text_.size())}, {"newText", *formatted}});
  }
  return Value(std::move(edits));
}

}  // namespace flow::lsp
