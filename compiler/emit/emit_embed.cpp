// emit/emit_embed.cpp — `flowc emit` (docs/language.md, "Embedding"): a header
// and a source a host program compiles in. The header has the records, Params,
// the extern function declarations (for the host to define) and a class named
// after the pipeline that the host constructs with Params, start()s, feeds
// through its `input` ports (blocking send from any thread, then close()),
// drains through its `output` ports (recv until Closed), cancel()s and wait()s
// on for the final flow::Report. The source has build() and the class's
// members.
#include "emit/emit_internal.h"
#include "emit/emit_shared.h"

namespace flow::emit {
namespace {

/// The C++ parameter type of an extern function's parameter.
std::string externParamType(const Names& names, const ast::Type* t) {
  std::string type = names.type(t);
  if (t && (t->is(ast::Type::Kind::String) || t->is(ast::Type::Kind::List) || t->is(ast::Type::Kind::Map) ||
            t->is(ast::Type::Kind::Record) || t->is(ast::Type::Kind::Failed)))
    return "const " + type + "&";
  return type;
}

std::string qualify(const Names& names, const ast::Type* t) {
  // Records live in the generated namespace; qualify them at global scope.
  if (t && t->record()) return "::" + names.ns() + "::" + names.type(t);
  if (t && t->is(ast::Type::Kind::Map))
    return "flow::Map<" + qualify(names, t->key()) + ", " + qualify(names, t->element()) + ">";
  if (t && t->is(ast::Type::Kind::Failed)) return "flow::Failed<" + qualify(names, t->element()) + ">";
  if (t && t->element()) return "std::vector<" + qualify(names, t->element()) + ">";
  return names.type(t);
}

struct Port {
  const ir::Channel* channel;
  std::string member;  // accessor name
};

std::vector<Port> ports(const Emitter& em) {
  std::vector<std::string> names;
  std::vector<const ir::Channel*> channels;
  for (const ir::Channel& ch : em.graph.channels()) {
    if (ch.role == ast::ChannelRole::Internal) continue;
    names.push_back(ch.name);
    channels.push_back(&ch);
  }
  std::vector<std::string> members =
      memberNames(names, {"start", "configError", "cancel", "wait", "params", "pipeline", "Ports", "ports_",
                          "params_", "pl_", em.names.pipelineClass()});
  std::vector<Port> out;
  for (size_t i = 0; i < channels.size(); ++i) out.push_back({channels[i], members[i]});
  return out;
}

void emitClass(const Emitter& em, CppWriter& w, const std::vector<Port>& ps) {
  const std::string& cls = em.names.pipelineClass();
  w.line("// The host-facing channels, filled in by build().");
  w.line("struct Ports {");
  w.indent();
  for (const Port& p : ps)
    w.line("flow::Channel<" + em.names.type(p.channel->elementType) + ">* " + p.member + " = nullptr;");
  w.dedent();
  w.line("};");
  w.line("");
  w.line("/// Pipeline `" + em.graph.name() + "` for a host program: construct it with Params, start() it,");
  w.line("/// feed its input ports (send() from any thread, then close() each), drain its");
  w.line("/// output ports (recv() until flow::RecvStatus::Closed), cancel() at any time,");
  w.line("/// and wait() once for the final report. Runs once.");
  w.line("class " + cls + " {");
  w.line(" public:");
  w.indent();
  if (hasRequiredParams(em)) {
    w.line("/// Params has required members (params without a default in the .flow");
    w.line("/// file): set them, since nothing checks them at run time.");
    w.line("explicit " + cls + "(Params params);");
  } else {
    w.line("explicit " + cls + "(Params params = Params{});");
  }
  w.line("/// Starts every worker. False when the configuration is invalid (e.g.");
  w.line("/// workers < 1 from a param); configError() says why and nothing runs.");
  w.line("[[nodiscard]] bool start();");
  w.line("[[nodiscard]] const std::string& configError() const { return pl_.configError(); }");
  for (const Port& p : ps) {
    bool in = p.channel->role == ast::ChannelRole::Input;
    std::string type = em.names.type(p.channel->elementType);
    w.line(in ? "/// input `" + p.channel->name +
                    "`: send() values, then close(). Thread-safe; blocks when full."
              : "/// output `" + p.channel->name + "`: recv() values until RecvStatus::Closed. Thread-safe.");
    w.line("[[nodiscard]] flow::Channel<" + type + ">& " + p.member + "() { return *ports_." + p.member +
           "; }");
  }
  w.line("/// Interrupts the run (the report's exit code is 130). Thread-safe. Never blocks.");
  w.line("void cancel() noexcept { pl_.cancel(); }");
  w.line("/// Waits until the run ends and returns the report. Call once, after start().");
  w.line("[[nodiscard]] flow::Report wait() { return pl_.wait(); }");
  w.line("[[nodiscard]] const Params& params() const { return params_; }");
  w.line("/// The underlying runtime pipeline (monitoring: channelStats()).");
  w.line("[[nodiscard]] flow::Pipeline& pipeline() { return pl_; }");
  w.dedent();
  w.line("");
  w.line(" private:");
  w.indent();
  w.line("Params params_;");
  w.line("flow::Pipeline pl_;");
  if (!ps.empty()) w.line("Ports ports_;");  // unused (a warning) without ports
  w.dedent();
  w.line("};");
}

}  // namespace

void emitExternDecls(const Emitter& em, CppWriter& w) {
  if (em.module.externs.empty()) return;
  w.line("// Extern functions of " + em.options.flowFile.substr(em.options.flowFile.find_last_of('/') + 1) +
         ": the host defines them (the header named in the");
  w.line("// extern block must declare them with these signatures). They run on the");
  w.line("// pipeline's worker threads, possibly concurrently. A thrown std::exception");
  w.line("// fails the current item with its what() as the message: the stage's retry");
  w.line("// and on_error apply, and the failure is counted and logged like any other.");
  w.line("// The running item is flow::Context::current() (null outside a stage body):");
  w.line("//   ->deadline()     the item's deadline (flow::kNoDeadline without `timeout`)");
  w.line("//   ->isExpired(), ->isCancelled(), ->checkpoint() (throws to stop the item)");
  for (const auto& block : em.module.externs) {
    for (const auto& fn : block->fns) {
      std::string params;
      for (size_t i = 0; i < fn.params.size(); ++i) {
        const ast::Type* t = fn.params[i].type.resolved;
        std::string type = externParamType(em.names, t);
        if (t && (t->record() || t->element())) {
          type = qualify(em.names, t);
          type = "const " + type + "&";
        }
        params += (i ? ", " : "") + type + " " + fn.params[i].name.name;
      }
      const ast::Type* result = fn.result ? fn.result->resolved : nullptr;
      w.line((result ? qualify(em.names, result) : std::string("void")) + " " + fn.name.name + "(" + params +
             ");");
    }
  }
  w.line("");
}

EmbedFiles emitEmbedding(const ast::Module& module, const ir::Graph& graph, const EmitOptions& options) {
  Emitter em(module, graph, options);
  EmbedFiles files;
  files.headerName = graph.name() + ".h";
  files.sharedName = sharedHeaderName(graph);
  files.sourceName = graph.name() + ".cpp";
  std::string banner = "// generated by flowc from " +
                       options.flowFile.substr(options.flowFile.find_last_of('/') + 1) + " — do not edit";
  std::vector<Port> ps = ports(em);

  CppWriter h;
  h.line(banner);
  h.line("#pragma once");
  h.line("");
  emitIncludes(em, h, /*externHeaders=*/false);
  h.line("");
  emitSharedDecls(em, h);
  emitExternIncludes(em, h);
  h.line("namespace " + em.names.ns() + " {");
  h.line("");
  emitParamsStruct(em, h);
  emitClass(em, h, ps);
  h.line("");
  h.line("}  // namespace " + em.names.ns());
  files.header = h.take();

  files.shared = emitSharedHeader(module, graph, options);

  CppWriter c(options.lineDirectives && options.sources ? options.generatedFile : std::string());
  c.line(banner);
  c.line("#include " + cppStringLiteral(files.headerName));
  c.line("");
  c.line("namespace " + em.names.ns() + " {");
  c.line("");
  emitFnDefs(em, c);
  std::vector<std::string> members;
  for (const Port& p : ps) members.push_back(p.member);
  // Without ports, build() takes no Ports (an unused parameter would warn).
  emitBuild(em, c, members.empty() ? nullptr : &members);
  c.line("");
  const std::string& cls = em.names.pipelineClass();
  c.line(cls + "::" + cls + "(Params params) : params_(std::move(params)) { build(pl_, params_" +
         (members.empty() ? "" : ", ports_") + "); }");
  c.line("");
  c.line("bool " + cls + "::start() { return pl_.start() == flow::StartStatus::Ok; }");
  c.line("");
  c.line("}  // namespace " + em.names.ns());
  files.source = c.take();
  return files;
}

}  // namespace flow::emit
