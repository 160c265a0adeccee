// diag/diagnostics.cpp — rendering and bookkeeping for DiagnosticEngine.
#include "diag/diagnostics.h"

#include <llvm/ADT/StringRef.h>

#include <algorithm>
#include <tuple>

namespace flow {

std::string_view diagKindName(DiagKind kind) {
  switch (kind) {
#define DIAG(Kind, Severity) \
  case DiagKind::Kind:       \
    return #Kind;
#include "diag/diagnostic_kinds.def"
  }
  return "Unknown";
}

Severity diagKindSeverity(DiagKind kind) {
  switch (kind) {
#define DIAG(Kind, Sev) \
  case DiagKind::Kind:  \
    return Severity::Sev;
#include "diag/diagnostic_kinds.def"
  }
  return Severity::Error;
}

DiagnosticEngine::Builder DiagnosticEngine::report(DiagKind kind, SourceRange range, std::string message) {
  Severity severity = diagKindSeverity(kind);
  if (severity == Severity::Warning && warningsAsErrors_) severity = Severity::Error;
  if (severity == Severity::Error) ++errorCount_;
  diags_.push_back({kind, severity, range, std::move(message), {}});
  return Builder(diags_.back());
}

namespace {

llvm::SourceMgr::DiagKind toLLVM(Severity s) {
  switch (s) {
    case Severity::Error:
      return llvm::SourceMgr::DK_Error;
    case Severity::Warning:
      return llvm::SourceMgr::DK_Warning;
    case Severity::Note:
      return llvm::SourceMgr::DK_Note;
  }
  return llvm::SourceMgr::DK_Error;
}

void printOne(llvm::SourceMgr& sm, llvm::raw_ostream& os, SourceRange range, Severity severity,
              const std::string& message, bool color) {
  if (!range.isValid()) {
    // Diagnostics without a place (e.g. an unreadable file) still look alike.
    os << "flowc: "
       << (severity == Severity::Error     ? "error: "
           : severity == Severity::Warning ? "warning: "
                                           : "note: ")
       << message << "\n";
    return;
  }
  llvm::SMRange r = range.toSMRange();
  // A zero-width or multi-line range underlines just the first token.
  std::vector<llvm::SMRange> ranges;
  if (r.End.getPointer() > r.Start.getPointer()) ranges.push_back(r);
  sm.PrintMessage(os, r.Start, toLLVM(severity), message, ranges, {}, color);
}

}  // namespace

void DiagnosticEngine::print(llvm::raw_ostream& os, bool color) const {
  std::vector<const Diagnostic*> order;
  order.reserve(diags_.size());
  for (const auto& d : diags_) order.push_back(&d);
  std::stable_sort(order.begin(), order.end(), [](const Diagnostic* a, const Diagnostic* b) {
    // Place-less diagnostics (file errors) first; then by source position.
    return a->range.begin.getPointer() < b->range.begin.getPointer();
  });
  const Diagnostic* prev = nullptr;
  unsigned errors = 0;
  for (const Diagnostic* d : order) {
    if (prev && prev->kind == d->kind && prev->range.begin == d->range.begin && prev->message == d->message)
      continue;
    prev = d;
    if (d->severity == Severity::Error) ++errors;
    std::string text = d->message;
    text += " [";
    text += diagKindName(d->kind);
    text += "]";
    printOne(sources_, os, d->range, d->severity, text, color);
    for (const auto& n : d->notes) printOne(sources_, os, n.range, Severity::Note, n.message, color);
  }
  if (errors > 0) os << errors << (errors == 1 ? " error" : " errors") << " generated.\n";
}

namespace {

/// True when `b` is `a` with two adjacent characters swapped (`form`/`from`):
/// the most common typo, which plain edit distance counts as two edits.
bool isTransposition(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.size() < 2) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i + 1 >= a.size()) return false;
  return a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
}

}  // namespace

std::string closestName(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  unsigned bestDistance = ~0u;
  // Allow roughly one edit per three characters, at least one; a swap of
  // two adjacent characters counts as one.
  unsigned limit = std::max<unsigned>(1, static_cast<unsigned>(name.size()) / 3);
  for (const auto& c : candidates) {
    if (c == name) continue;
    unsigned d = isTransposition(name, c)
                     ? 1
                     : llvm::StringRef(name).edit_distance(c, /*AllowReplacements=*/true, limit);
    if (d <= limit && d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace flow
