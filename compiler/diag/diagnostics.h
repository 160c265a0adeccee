// diag/diagnostics.h — the one diagnostic engine shared by every phase.
// Phases report errors, warnings and notes against source ranges; the engine
// renders them like a C++ compiler (`file:line:col: error: msg [Kind]`, the
// source line, a caret underline) through llvm::SourceMgr. It keeps every
// diagnostic so the driver can print them in source order with duplicates
// dropped. It does not decide what is an error: phases do.
#pragma once

#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "source/source_range.h"

namespace flow {

enum class DiagKind : std::uint16_t {
#define DIAG(Kind, Severity) Kind,
#include "diag/diagnostic_kinds.def"
};

enum class Severity : std::uint8_t { Error, Warning, Note };

[[nodiscard]] std::string_view diagKindName(DiagKind kind);
[[nodiscard]] Severity diagKindSeverity(DiagKind kind);

struct Note {
  SourceRange range;
  std::string message;
};

struct Diagnostic {
  DiagKind kind;
  Severity severity;
  SourceRange range;
  std::string message;
  std::vector<Note> notes;
};

class DiagnosticEngine {
 public:
  explicit DiagnosticEngine(llvm::SourceMgr& sources) : sources_(sources) {}

  /// Records a diagnostic of `kind` (its severity comes from the .def file)
  /// and returns it so the caller can attach notes:
  ///   diags.report(DiagKind::UnknownChannel, r, "unknown channel `x`").note(d, "declared here");
  class Builder;
  Builder report(DiagKind kind, SourceRange range, std::string message);

  [[nodiscard]] bool hasErrors() const { return errorCount_ > 0; }
  [[nodiscard]] unsigned errorCount() const { return errorCount_; }
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  [[nodiscard]] llvm::SourceMgr& sourceMgr() { return sources_; }

  /// Prints every diagnostic sorted by position (stable for equal positions),
  /// exact duplicates dropped, followed by "N errors generated." when N > 0.
  void print(llvm::raw_ostream& os, bool color = false) const;

  /// Warnings are reported as errors (flowc --Werror).
  void setWarningsAsErrors(bool on) { warningsAsErrors_ = on; }

 private:
  llvm::SourceMgr& sources_;
  std::vector<Diagnostic> diags_;
  unsigned errorCount_ = 0;
  bool warningsAsErrors_ = false;
};

class DiagnosticEngine::Builder {
 public:
  Builder(Diagnostic& diag) : diag_(diag) {}
  Builder& note(SourceRange range, std::string message) {
    diag_.notes.push_back({range, std::move(message)});
    return *this;
  }

 private:
  Diagnostic& diag_;
};

/// "did you mean `x`?" support: the candidate closest to `name` by edit
/// distance, or empty when none is close enough to be a plausible typo.
[[nodiscard]] std::string closestName(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace flow
