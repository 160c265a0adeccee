// emit/emit_params.cpp — params (docs/language.md, "Pipeline members" and "The
// generated program"): the Params struct with the defaults of the .flow file,
// and their registration with flow::Program so the generated executable accepts
// `--NAME=VALUE` (the runtime parses and validates the value; a bad one is exit
// status 2). A param without a default is registered as required: the program
// refuses to run without it. Does not parse anything.
#include "emit/emit_internal.h"
#include "emit/emit_shared.h"

namespace flow::emit {
namespace {

const char* flowTypeName(const ast::Type* t) {
  if (!t) return "int";
  switch (t->kind()) {
    case ast::Type::Kind::Int:
      return "int";
    case ast::Type::Kind::Float:
      return "float";
    case ast::Type::Kind::Bool:
      return "bool";
    case ast::Type::Kind::String:
      return "string";
    case ast::Type::Kind::Duration:
      return "duration";
    case ast::Type::Kind::List:
    case ast::Type::Kind::Map:
    case ast::Type::Kind::Record:
    case ast::Type::Kind::Failed:
    case ast::Type::Kind::Void:
    case ast::Type::Kind::Error:
      return "int";
  }
  return "int";
}

}  // namespace

void emitParamsStruct(const Emitter& em, CppWriter& w) {
  const ast::PipelineDecl& p = em.graph.pipeline();
  w.line("// The params of pipeline " + p.name.name + " (command-line flags `--NAME=VALUE`).");
  w.line("struct Params {");
  w.indent();
  for (const auto& param : p.params) {
    const ast::Type* t = param->type.resolved;
    std::string member = em.names.param(param.get());
    if (param->defaultValue) {
      Scope scope{em};
      w.line(em.names.type(t) + " " + member + " = " + lowerAs(scope, *param->defaultValue, t) + ";");
    } else {
      // No default in the .flow file: the command line must give it
      // (Program::require); an embedding host must set it (the pipeline
      // class then has no default constructor argument).
      w.line(em.names.type(t) + " " + member + "{};  // required: no default");
    }
  }
  w.dedent();
  w.line("};");
  w.line("");
}

void emitParamRegistration(const Emitter& em, CppWriter& w, const std::string& prog, const std::string& obj) {
  for (const auto& param : em.graph.pipeline().params) {
    std::string member = em.names.param(param.get());
    std::string call = prog + ".param(" + cppStringLiteral(param->name.name) + ", " + obj + "." + member +
                       ", " + cppStringLiteral(flowTypeName(param->type.resolved));
    w.line(call + ");");
    if (!param->defaultValue) w.line(prog + ".require(" + cppStringLiteral(param->name.name) + ");");
  }
}

bool hasRequiredParams(const Emitter& em) {
  for (const auto& param : em.graph.pipeline().params)
    if (!param->defaultValue) return true;
  return false;
}

}  // namespace flow::emit
