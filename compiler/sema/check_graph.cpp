// sema/check_graph.cpp — the whole-graph checks (docs/language.md, "The
// compiler"), run once per pipeline after every stage's wiring is resolved: a
// channel with no writer (its readers would wait forever), with no reader (its
// writers would block once it is full), and cycles of channels (a channel
// closes when all its writers finish, so channels on a cycle wait for each
// other and the pipeline can never shut down). Linear in stages + channels: the
// graph is bipartite (channel → reading stage → written channel) and cycles are
// found as strongly connected components (iterative Tarjan), one diagnostic per
// component naming the channels of one cycle through it.
//
// Host ends count: an `input` channel is written by the host program, an
// `output` channel is read by it. `on_error route ch` writes ch.
#include <unordered_map>

#include "sema/sema_impl.h"

namespace flow::sema {

namespace {

struct Graph {
  std::vector<const ast::ChannelDecl*> channels;  // node i < channels.size()
  std::vector<ast::StageDecl*> stages;            // node channels.size() + j
  std::vector<std::vector<int>> succ;
  std::unordered_map<const ast::ChannelDecl*, int> channelIndex;
  [[nodiscard]] bool isChannel(int node) const { return node < static_cast<int>(channels.size()); }
  [[nodiscard]] ast::StageDecl* stage(int node) const {
    return stages[node - static_cast<int>(channels.size())];
  }
};

/// Strongly connected components with more than one node (every cycle lies
/// in one). Iterative Tarjan, so a 10,000-stage chain does not overflow the
/// C++ stack.
std::vector<std::vector<int>> cyclicComponents(const Graph& g) {
  int n = static_cast<int>(g.succ.size());
  std::vector<int> index(n, -1), low(n, 0);
  std::vector<bool> onStack(n, false);
  std::vector<int> stack;
  std::vector<std::vector<int>> result;
  int counter = 0;
  struct Frame {
    int node;
    std::size_t next;
  };
  for (int root = 0; root < n; ++root) {
    if (index[root] != -1) continue;
    std::vector<Frame> dfs{{root, 0}};
    index[root] = low[root] = counter++;
    stack.push_back(root);
    onStack[root] = true;
    while (!dfs.empty()) {
      Frame& f = dfs.back();
      if (f.next < g.succ[f.node].size()) {
        int w = g.succ[f.node][f.next++];
        if (index[w] == -1) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          onStack[w] = true;
          dfs.push_back({w, 0});
        } else if (onStack[w]) {
          low[f.node] = std::min(low[f.node], index[w]);
        }
        continue;
      }
      int v = f.node;
      dfs.pop_back();
      if (!dfs.empty()) low[dfs.back().node] = std::min(low[dfs.back().node], low[v]);
      if (low[v] != index[v]) continue;
      std::vector<int> component;
      int w;
      do {
        w = stack.back();
        stack.pop_back();
        onStack[w] = false;
        component.push_back(w);
      } while (w != v);
      if (component.size() > 1) result.push_back(std::move(component));
    }
  }
  return result;
}

/// One cycle through `start` inside `component` (breadth-first, so the
/// shortest), as the node sequence start … (back to start, not repeated).
std::vector<int> cycleThrough(const Graph& g, int start, const std::vector<int>& component) {
  std::unordered_map<int, int> parent;
  for (int v : component) parent[v] = -2;  // in the component, not reached
  std::vector<int> queue{start};
  parent[start] = -1;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    int v = queue[head];
    for (int w : g.succ[v]) {
      if (w == start) {
        std::vector<int> path;
        for (int x = v; x != -1; x = parent[x]) path.push_back(x);
        std::reverse(path.begin(), path.end());
        return path;
      }
      auto it = parent.find(w);
      if (it == parent.end() || it->second != -2) continue;
      it->second = v;
      queue.push_back(w);
    }
  }
  return {start};
}

/// Where `stage` names `ch` as an output or route channel.
SourceRange whereWritten(const ast::StageDecl& stage, const ast::ChannelDecl* ch) {
  for (std::size_t i = 0; i < stage.outputChannels.size() && i < stage.outputs.size(); ++i)
    if (stage.outputChannels[i] == ch) return stage.outputs[i].range;
  for (const auto& a : stage.attrs)
    if (a.routeChannel && stage.routeChannel == ch) return a.routeChannel->range;
  return stage.name.range;
}

}  // namespace

void Sema::checkGraph(ast::PipelineDecl& p) {
  Graph g;
  for (auto& ch : p.channels) {
    if (!ch || g.channelIndex.count(ch.get())) continue;
    g.channelIndex.emplace(ch.get(), static_cast<int>(g.channels.size()));
    g.channels.push_back(ch.get());
  }
  for (auto& s : p.stages)
    if (s) g.stages.push_back(s.get());
  g.succ.resize(g.channels.size() + g.stages.size());
  std::vector<std::vector<std::pair<const ast::StageDecl*, SourceRange>>> writers(g.channels.size()),
      readers(g.channels.size());
  for (std::size_t j = 0; j < g.stages.size(); ++j) {
    ast::StageDecl& s = *g.stages[j];
    int node = static_cast<int>(g.channels.size() + j);
    for (std::size_t i = 0; i < s.inputChannels.size() && i < s.inputs.size(); ++i) {
      auto it = g.channelIndex.find(s.inputChannels[i]);
      if (it == g.channelIndex.end()) continue;
      readers[it->second].push_back({&s, s.inputs[i].range});
      g.succ[it->second].push_back(node);
    }
    auto addWrite = [&](const ast::ChannelDecl* ch, SourceRange r) {
      auto it = g.channelIndex.find(ch);
      if (it == g.channelIndex.end()) return;
      writers[it->second].push_back({&s, r});
      g.succ[node].push_back(it->second);
    };
    for (std::size_t i = 0; i < s.outputChannels.size() && i < s.outputs.size(); ++i)
      addWrite(s.outputChannels[i], s.outputs[i].range);
    if (s.routeChannel) addWrite(s.routeChannel, whereWritten(s, s.routeChannel));
  }

  for (std::size_t c = 0; c < g.channels.size(); ++c) {
    const ast::ChannelDecl& ch = *g.channels[c];
    const std::string& n = ch.name.name;
    bool written = !writers[c].empty() || ch.role == ast::ChannelRole::Input;
    bool read = !readers[c].empty() || ch.role == ast::ChannelRole::Output;
    if (!written && !read) {
      diags_.report(DiagKind::ChannelNoWriter, ch.name.range,
                    "channel `" + n + "` is never written or read; connect it (`-> " + n + "`, `from " + n +
                        "`) or remove it");
      continue;
    }
    if (!written) {
      auto b = diags_.report(
          DiagKind::ChannelNoWriter, ch.name.range,
          "channel `" + n + "` has no writer; its readers would wait forever (no stage has `-> " + n + "`)");
      for (const auto& [stage, range] : readers[c])
        b.note(range, "`" + stage->name.name + "` reads `" + n + "` here");
    }
    if (!read) {
      auto b = diags_.report(
          DiagKind::ChannelNoReader, ch.name.range,
          "channel `" + n + "` has no reader; its writers would block once it is full (no stage has `from " +
              n + "`)");
      for (const auto& [stage, range] : writers[c])
        b.note(range, "`" + stage->name.name + "` writes `" + n + "` here");
    }
  }

  for (const auto& component : cyclicComponents(g)) {
    // Start at the channel declared first, so the message is stable.
    int start = -1;
    for (int v : component)
      if (g.isChannel(v) && (start == -1 || g.channels[v]->name.range.begin.getPointer() <
                                                g.channels[start]->name.range.begin.getPointer()))
        start = v;
    if (start == -1) continue;
    std::vector<int> cycle = cycleThrough(g, start, component);
    std::string path;
    for (int v : cycle)
      if (g.isChannel(v)) path += "`" + g.channels[v]->name.name + "` -> ";
    path += "`" + g.channels[start]->name.name + "`";
    auto b = diags_.report(
        DiagKind::ChannelCycle, g.channels[start]->name.range,
        "cycle of channels: " + path +
            "; a pipeline with a cycle can never shut down (each channel waits for its writers to finish)");
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      if (g.isChannel(cycle[i])) continue;
      const ast::StageDecl& s = *g.stage(cycle[i]);
      const ast::ChannelDecl* from = g.channels[cycle[i - 1]];  // a stage follows the channel it reads
      const ast::ChannelDecl* to = g.channels[i + 1 < cycle.size() ? cycle[i + 1] : cycle[0]];
      b.note(whereWritten(s, to),
             "`" + s.name.name + "` reads `" + from->name.name + "` and writes `" + to->name.name + "`");
    }
  }
}

}  // namespace flow::sema
