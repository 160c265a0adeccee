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

const char* severityWord(Severity s) {
  return s == Severity::Error ? "error: " : s == Severity::Warning ? "warning: " : "note: ";
}

/// Lines longer than this are shown as a window around the spot: a
/// generated or minified one-line file must not print its whole text under
/// every diagnostic.
constexpr std::size_t kLongLine = 160;
constexpr std::size_t kWindowSide = 60;  // bytes shown on each side of the spot

/// Prints a diagnostic on a long line like SourceMgr does, with the line cut
/// to a window of it (`...` marks a cut) and the caret under the spot.
void printWindowed(llvm::SourceMgr& sm, llvm::raw_ostream& os, llvm::SMRange r, Severity severity,
                   const std::string& message, llvm::StringRef line, std::size_t col) {
  unsigned buffer = sm.FindBufferContainingLoc(r.Start);
  auto [lineNo, colNo] = sm.getLineAndColumn(r.Start, buffer);
  os << sm.getMemoryBuffer(buffer)->getBufferIdentifier() << ":" << lineNo << ":" << colNo << ": "
     << severityWord(severity) << message << "\n";
  auto isContinuation = [&](std::size_t i) { return i < line.size() && (line[i] & 0xC0) == 0x80; };
  std::size_t begin = col > kWindowSide ? col - kWindowSide : 0;
  while (begin < col && isContinuation(begin)) ++begin;  // start on a whole character
  std::size_t end = std::min(line.size(), col + kWindowSide);
  while (end < line.size() && isContinuation(end)) ++end;
  std::string shown = begin > 0 ? "..." : "";
  const std::size_t caret = shown.size() + (col - begin);
  shown += line.slice(begin, end).str();
  if (end < line.size()) shown += "...";
  std::replace(shown.begin(), shown.end(), '\t', ' ');
  std::size_t width = 1;
  if (r.End.getPointer() > r.Start.getPointer())
    width =
        std::max<std::size_t>(1, std::min<std::size_t>(r.End.getPointer() - r.Start.getPointer(), end - col));
  os << shown << "\n" << std::string(caret, ' ') << '^' << std::string(width - 1, '~') << "\n";
}

void printOne(llvm::SourceMgr& sm, llvm::raw_ostream& os, SourceRange range, Severity severity,
              const std::string& message, bool color) {
  if (!range.isValid()) {
    // Diagnostics without a place (e.g. an unreadable file) still look alike.
    os << "flowc: " << severityWord(severity) << message << "\n";
    return;
  }
  llvm::SMRange r = range.toSMRange();
  if (unsigned buffer = sm.FindBufferContainingLoc(r.Start); buffer != 0) {
    // Bounded work per diagnostic, however long the line: the column comes
    // from SourceMgr's line table, and the end of the line is looked for
    // only as far as it matters.
    llvm::StringRef text = sm.getMemoryBuffer(buffer)->getBuffer();
    const std::size_t at = r.Start.getPointer() - text.begin();
    const std::size_t lineBegin = at - (sm.getLineAndColumn(r.Start, buffer).second - 1);
    const std::size_t lineEnd = std::min(
        text.size(),
        at + std::min<std::size_t>(text.substr(at, kLongLine + 1).find_first_of("\r\n"), kLongLine + 1));
    if (lineEnd - lineBegin > kLongLine) {
      printWindowed(sm, os, r, severity, message, text.slice(lineBegin, lineEnd), at - lineBegin);
      return;
    }
  }
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
  std::stable_sort(order.begin(), order.end(), [this](const Diagnostic* a, const Diagnostic* b) {
    // Place-less diagnostics (file errors) first; then by file (in the
    // order the files were read: a test file after the file it tests) and
    // source position — never by address across two buffers.
    const unsigned ba = a->range.isValid() ? sources_.FindBufferContainingLoc(a->range.begin) : 0;
    const unsigned bb = b->range.isValid() ? sources_.FindBufferContainingLoc(b->range.begin) : 0;
    if (ba != bb) return ba < bb;
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
