// driver/graph_command.cpp — `flowc graph`: the pipeline as a picture, in
// Graphviz dot or Mermaid. Stages are nodes labelled with their kind, name
// and workers; channels are edges from every writer to every reader labelled
// `name: T[cap]`; `input`/`output` ports are drawn as host nodes, on_error
// routes as dashed edges. Output is deterministic (source order).
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

#include "driver/commands.h"
#include "driver/frontend.h"
#include "ir/graph.h"

namespace flow::driver {
namespace {

const char* kindWord(ast::StageDecl::Kind k) {
  switch (k) {
    case ast::StageDecl::Kind::Source:
      return "source";
    case ast::StageDecl::Kind::Stage:
      return "stage";
    case ast::StageDecl::Kind::Sink:
      return "sink";
  }
  return "stage";
}

std::string stageLabel(const ir::Stage& s, const char* newline) {
  std::string label = std::string(kindWord(s.kind)) + " " + s.name + newline + "workers " +
                      (s.workers ? ir::flowText(*s.workers) : std::string("1"));
  if (s.timeout) label += std::string(newline) + "timeout " + ir::flowText(*s.timeout);
  if (s.ordered) label += std::string(newline) + "ordered";
  if (s.key) label += std::string(newline) + "key " + ir::flowText(*s.key);
  if (s.batch)
    label += std::string(newline) + "batch " + ir::flowText(*s.batch) +
             (s.batchWithin ? " within " + ir::flowText(*s.batchWithin) : std::string());
  if (s.every) label += std::string(newline) + "every " + ir::flowText(*s.every->period);
  return label;
}

std::string channelLabel(const ir::Channel& c) {
  std::string label = c.name + ": " + (c.elementType ? c.elementType->str() : std::string("?")) + "[" +
                      ir::flowText(*c.capacity) + "]";
  if (c.overflow == ast::Overflow::DropNewest) label += " drop_newest";
  if (c.overflow == ast::Overflow::DropOldest) label += " drop_oldest";
  return label;
}

std::string dotQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// Every (from, to, label, dashed) edge, with host ports as pseudo-nodes.
struct Edge {
  std::string from, to, label;
  bool dashed;
};

std::vector<Edge> edges(const ir::Graph& g, const std::string& stagePrefix, const std::string& portPrefix) {
  std::vector<Edge> out;
  for (size_t ci = 0; ci < g.channels().size(); ++ci) {
    const ir::Channel& c = g.channels()[ci];
    std::vector<std::pair<std::string, bool>> from;  // node, dashed (a route)
    std::vector<std::string> to;
    if (c.role == ast::ChannelRole::Input) from.push_back({portPrefix + c.name, false});
    for (int w : c.writers) {
      const ir::Stage& s = g.stages()[w];
      bool isRoute = s.routeTo == static_cast<int>(ci);
      bool isOutput = false;
      for (int o : s.outputs) isOutput = isOutput || o == static_cast<int>(ci);
      from.push_back({stagePrefix + s.name, isRoute && !isOutput});
    }
    if (c.role == ast::ChannelRole::Output) to.push_back(portPrefix + c.name);
    for (int r : c.readers) to.push_back(stagePrefix + g.stages()[r].name);
    for (const auto& [f, dashed] : from)
      for (const auto& t : to) out.push_back({f, t, channelLabel(c), dashed});
  }
  return out;
}

void printDot(const ir::Graph& g, llvm::raw_ostream& os) {
  os << "digraph " << dotQuote(g.name()) << " {\n";
  os << "  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n";
  for (const ir::Channel& c : g.channels()) {
    if (c.role == ast::ChannelRole::Internal) continue;
    os << "  " << dotQuote("port:" + c.name) << " [shape=ellipse, label="
       << dotQuote(std::string(c.role == ast::ChannelRole::Input ? "input " : "output ") + c.name +
                   "\\n(host)")
       << "];\n";
  }
  for (const ir::Stage& s : g.stages())
    os << "  " << dotQuote("stage:" + s.name) << " [label=" << dotQuote(stageLabel(s, "\\n")) << "];\n";
  for (const Edge& e : edges(g, "stage:", "port:")) {
    os << "  " << dotQuote(e.from) << " -> " << dotQuote(e.to) << " [label=" << dotQuote(e.label);
    if (e.dashed) os << ", style=dashed";
    os << "];\n";
  }
  os << "}\n";
}

std::string mermaidText(std::string s) {
  std::string out;
  for (char c : s) out += c == '"' ? std::string("#quot;") : std::string(1, c);
  return out;
}

void printMermaid(const ir::Graph& g, llvm::raw_ostream& os) {
  os << "flowchart LR\n";
  for (const ir::Channel& c : g.channels()) {
    if (c.role == ast::ChannelRole::Internal) continue;
    os << "  port_" << c.name << "([\"" << (c.role == ast::ChannelRole::Input ? "input " : "output ")
       << c.name << "<br/>(host)\"])\n";
  }
  for (const ir::Stage& s : g.stages())
    os << "  stage_" << s.name << "[\"" << mermaidText(stageLabel(s, "<br/>")) << "\"]\n";
  for (const Edge& e : edges(g, "stage_", "port_"))
    os << "  " << e.from << (e.dashed ? " -. " : " -- ") << "\"" << mermaidText(e.label) << "\""
       << (e.dashed ? " .-> " : " --> ") << e.to << "\n";
}

}  // namespace

int runGraph(const GraphOptions& o) {
  llvm::SourceMgr sources;
  DiagnosticEngine diags(sources);
  CheckedPipeline checked = loadPipeline(o.input, o.pipeline, sources, diags);
  if (!checked.pipeline) return 1;
  ir::Graph graph = ir::buildGraph(*checked.pipeline);
  if (o.format == "mermaid") {
    printMermaid(graph, llvm::outs());
  } else {
    printDot(graph, llvm::outs());
  }
  return 0;
}

}  // namespace flow::driver
