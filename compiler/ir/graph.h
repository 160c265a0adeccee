// ir/graph.h — the dataflow graph of one checked pipeline: stages are nodes,
// channels are edges (each with its writers and readers). Built once by
// buildGraph() from a pipeline that sema accepted, immutable afterwards, and
// shared by emit/ (the C++ wiring) and `flowc graph` (the picture). It points
// into the AST for expressions (capacity, workers, …) and bodies; it does not
// check anything (sema/ guarantees names resolve and types match) and does not
// evaluate constant expressions (those may use params, known only at run time).
#pragma once

#include <string>
#include <vector>

#include "ast/ast.h"

namespace flow::ir {

/// One channel: an edge from its writers to its readers.
struct Channel {
  std::string name;
  const ast::ChannelDecl* decl;  // never null
  const ast::Type* elementType;  // sema's type of the element (may be null if unresolved)
  ast::ChannelRole role;         // Internal, Input (host writes) or Output (host reads)
  ast::Overflow overflow;        // Block, DropNewest, DropOldest
  const ast::Expr* capacity;     // constant expression over params; never null
  std::vector<int> writers;      // stage indices that send to it (outputs + on_error route)
  std::vector<int> readers;      // stage indices that receive from it
};

/// One stage (source, stage or sink): a node with its attributes.
struct Stage {
  std::string name;
  const ast::StageDecl* decl = nullptr;  // never null once built
  ast::StageDecl::Kind kind = ast::StageDecl::Kind::Stage;
  const ast::Expr* workers = nullptr;  // null: 1
  const ast::Expr* timeout = nullptr;  // null: none
  const ast::Expr* retries = nullptr;  // null: 0
  const ast::Expr* backoff = nullptr;  // null: none
  ast::OnError onError = ast::OnError::Drop;
  bool onErrorDeclared = false;  // `on_error` written: its failures do not make exit status 3
  int routeTo = -1;              // channel index for on_error route
  bool ordered = false;
  const ast::Expr* key = nullptr;          // `key EXPR` over the item; null: not keyed
  const ast::Expr* batch = nullptr;        // `batch N`; null: one item at a time
  const ast::Expr* batchWithin = nullptr;  // `within D`; null: none
  const ast::EveryStmt* every = nullptr;   // the body's `every D { … }`, if any
  std::vector<int> inputs;                 // channel indices, in the order written
  std::vector<int> outputs;                // channel indices, in the order written
};

/// A pipeline as a graph. Indices are positions in source order.
class Graph {
 public:
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const ast::PipelineDecl& pipeline() const { return *pipeline_; }
  [[nodiscard]] const std::vector<Channel>& channels() const { return channels_; }
  [[nodiscard]] const std::vector<Stage>& stages() const { return stages_; }
  /// Index of the channel declared by `decl`, or -1.
  [[nodiscard]] int channelIndex(const ast::ChannelDecl* decl) const;

 private:
  friend Graph buildGraph(const ast::PipelineDecl& pipeline);
  std::string name_;
  const ast::PipelineDecl* pipeline_ = nullptr;
  std::vector<Channel> channels_;
  std::vector<Stage> stages_;
};

/// Builds the graph of a pipeline that passed sema. Wiring comes from sema's
/// annotations (StageDecl::inputChannels, …) with a fallback to the names as
/// written, so the graph is complete even for a partially annotated tree.
[[nodiscard]] Graph buildGraph(const ast::PipelineDecl& pipeline);

/// Flow spelling of a constant expression (`10`, `n * 2`, `100ms`) for labels.
[[nodiscard]] std::string flowText(const ast::Expr& expr);

/// A duration in nanoseconds spelled as a Flow literal, in the largest unit
/// that divides it exactly (`1500ms`, `250ms`, `2m`, `0s`): exact, for
/// labels. (Run-time printing is Go's form, `1.5s`: runtime/src/format.cpp.)
[[nodiscard]] std::string durationText(std::int64_t nanoseconds);

}  // namespace flow::ir
