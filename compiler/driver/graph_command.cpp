// driver/graph_command.cpp — `flowc graph`: the pipeline as a picture, in
// Graphviz dot or Mermaid. Stages are nodes labelled with their kind, name
// and workers; channels are edges from every writer to every reader labelled
// `name: T[cap]`; `input`/`output` ports are drawn as host nodes, on_error
// routes as dashed edges. Output is deterministic (source order).
// With `--stats FILE` (a program's --stats-json), the run is drawn on it:
// each stage's items/s, median item time and failures, each channel's
// items/s, highest fill and drops on its edges, and the slowest stage —
// the least workers ÷ median item time — filled red.
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

#include "driver/commands.h"
#include "driver/frontend.h"
#include "driver/graph_stats.h"
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

/// `12`, `3.5`, `0.25`: up to three significant decimals, no exponent.
std::string figure(double v) {
  char buf[32];
  if (v >= 100 || v == static_cast<double>(static_cast<long long>(v)))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, v >= 10 ? "%.1f" : "%.2f", v);
  return buf;
}

/// A median item time: `6.11ms`, `35us`, `under 1us` (the report has 1 µs steps).
std::string millis(double ms) {
  if (ms >= 1) return figure(ms) + "ms";
  if (ms * 1000 >= 0.5) return figure(ms * 1000) + "us";
  return "under 1us";
}

std::string perSecond(double count, const RunFigures& run) {
  return figure(run.elapsedSeconds > 0 ? count / run.elapsedSeconds : 0) + "/s";
}

std::string stageLabel(const ir::Stage& s, const char* newline, const RunFigures* run) {
  std::string label = std::string(kindWord(s.kind)) + " " + s.name + newline + "workers " +
                      (s.workers ? ir::flowText(*s.workers) : std::string("1"));
  if (s.timeout) label += std::string(newline) + "timeout " + ir::flowText(*s.timeout);
  if (s.ordered) label += std::string(newline) + "ordered";
  if (s.key) label += std::string(newline) + "key " + ir::flowText(*s.key);
  if (s.batch)
    label += std::string(newline) + "batch " + ir::flowText(*s.batch) +
             (s.batchWithin ? " within " + ir::flowText(*s.batchWithin) : std::string());
  if (s.every) label += std::string(newline) + "every " + ir::flowText(*s.every->period);
  if (run == nullptr) return label;
  auto it = run->stages.find(s.name);
  if (it == run->stages.end()) return label;
  const RunFigures::Stage& f = it->second;
  // A source's figure is what it sent; any other stage's, what it took in.
  const double items = s.kind == ast::StageDecl::Kind::Source ? f.out : f.in;
  label += std::string(newline) + perSecond(items, *run);
  if (s.kind != ast::StageDecl::Kind::Source) label += ", p50 " + millis(f.p50ms);
  if (f.failed > 0) {
    label += std::string(newline) + "failed " + figure(f.failed);
    if (f.timedOut > 0) label += " (" + figure(f.timedOut) + " timed out)";
  }
  if (run->slowest == s.name) label += std::string(newline) + "slowest";
  return label;
}

std::string channelLabel(const ir::Channel& c, const char* newline, const RunFigures* run) {
  std::string label = c.name + ": " + (c.elementType ? c.elementType->str() : std::string("?")) + "[" +
                      ir::flowText(*c.capacity) + "]";
  if (c.overflow == ast::Overflow::DropNewest) label += " drop_newest";
  if (c.overflow == ast::Overflow::DropOldest) label += " drop_oldest";
  if (run == nullptr) return label;
  auto it = run->channels.find(c.name);
  if (it == run->channels.end()) return label;
  const RunFigures::Channel& f = it->second;
  label += std::string(newline) + perSecond(f.received, *run) + ", max " + figure(f.maxLen) + "/" +
           figure(f.capacity);
  if (f.dropped > 0) label += std::string(newline) + "dropped " + figure(f.dropped);
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

std::vector<Edge> edges(const ir::Graph& g, const std::string& stagePrefix, const std::string& portPrefix,
                        const char* newline, const RunFigures* run) {
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
      for (const auto& t : to) out.push_back({f, t, channelLabel(c, newline, run), dashed});
  }
  return out;
}

void printDot(const ir::Graph& g, const RunFigures* run, llvm::raw_ostream& os) {
  os << "digraph " << dotQuote(g.name()) << " {\n";
  os << "  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n";
  for (const ir::Channel& c : g.channels()) {
    if (c.role == ast::ChannelRole::Internal) continue;
    os << "  " << dotQuote("port:" + c.name) << " [shape=ellipse, label="
       << dotQuote(std::string(c.role == ast::ChannelRole::Input ? "input " : "output ") + c.name +
                   "\\n(host)")
       << "];\n";
  }
  for (const ir::Stage& s : g.stages()) {
    os << "  " << dotQuote("stage:" + s.name) << " [label=" << dotQuote(stageLabel(s, "\\n", run));
    if (run != nullptr && run->slowest == s.name)
      os << ", style=filled, fillcolor=\"#f4cccc\", color=\"#cc0000\"";
    os << "];\n";
  }
  for (const Edge& e : edges(g, "stage:", "port:", "\\n", run)) {
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

void printMermaid(const ir::Graph& g, const RunFigures* run, llvm::raw_ostream& os) {
  os << "flowchart LR\n";
  for (const ir::Channel& c : g.channels()) {
    if (c.role == ast::ChannelRole::Internal) continue;
    os << "  port_" << c.name << "([\"" << (c.role == ast::ChannelRole::Input ? "input " : "output ")
       << c.name << "<br/>(host)\"])\n";
  }
  for (const ir::Stage& s : g.stages())
    os << "  stage_" << s.name << "[\"" << mermaidText(stageLabel(s, "<br/>", run)) << "\"]\n";
  for (const Edge& e : edges(g, "stage_", "port_", "<br/>", run))
    os << "  " << e.from << (e.dashed ? " -. " : " -- ") << "\"" << mermaidText(e.label) << "\""
       << (e.dashed ? " .-> " : " --> ") << e.to << "\n";
  if (run != nullptr && !run->slowest.empty())
    os << "  style stage_" << run->slowest << " fill:#f4cccc,stroke:#cc0000\n";
}

/// The names in the figures that the graph does not have: a report from
/// another pipeline (or an older version of this one).
std::string mismatch(const ir::Graph& g, const RunFigures& run) {
  for (const auto& [name, f] : run.stages) {
    bool found = false;
    for (const ir::Stage& s : g.stages()) found = found || s.name == name;
    if (!found) return "stage `" + name + "`";
  }
  for (const auto& [name, f] : run.channels) {
    bool found = false;
    for (const ir::Channel& c : g.channels()) found = found || c.name == name;
    if (!found) return "channel `" + name + "`";
  }
  return "";
}

}  // namespace

int runGraph(const GraphOptions& o) {
  llvm::SourceMgr sources;
  DiagnosticEngine diags(sources);
  CheckedPipeline checked = loadPipeline(o.input, o.pipeline, sources, diags);
  if (!checked.pipeline) return 1;
  ir::Graph graph = ir::buildGraph(*checked.pipeline);
  std::optional<RunFigures> run;
  if (!o.statsPath.empty()) {
    std::string error;
    run = readRunFigures(o.statsPath, error);
    if (!run) {
      llvm::errs() << "flowc: error: " << error << "\n";
      return 1;
    }
    if (std::string other = mismatch(graph, *run); !other.empty()) {
      llvm::errs() << "flowc: error: " << o.statsPath << " is not a run of pipeline `" << graph.name()
                   << "`: it has a " << other << " the pipeline does not\n";
      return 1;
    }
  }
  const RunFigures* figures = run ? &*run : nullptr;
  if (o.format == "mermaid") {
    printMermaid(graph, figures, llvm::outs());
  } else {
    printDot(graph, figures, llvm::outs());
  }
  return 0;
}

}  // namespace flow::driver
