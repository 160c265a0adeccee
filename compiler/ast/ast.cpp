// ast/ast.cpp — small helpers of the AST nodes.
#include "ast/ast.h"

namespace flow::ast {

bool StringLit::isPlain() const {
  for (const auto& p : pieces)
    if (p.expr) return false;
  return true;
}

std::string StringLit::plainText() const {
  std::string out;
  for (const auto& p : pieces) out += p.text;
  return out;
}

const char* spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return "+";
    case BinaryOp::Sub:
      return "-";
    case BinaryOp::Mul:
      return "*";
    case BinaryOp::Div:
      return "/";
    case BinaryOp::Rem:
      return "%";
    case BinaryOp::BitAnd:
      return "&";
    case BinaryOp::BitOr:
      return "|";
    case BinaryOp::BitXor:
      return "^";
    case BinaryOp::Shl:
      return "<<";
    case BinaryOp::Shr:
      return ">>";
    case BinaryOp::Eq:
      return "==";
    case BinaryOp::Ne:
      return "!=";
    case BinaryOp::Lt:
      return "<";
    case BinaryOp::Le:
      return "<=";
    case BinaryOp::Gt:
      return ">";
    case BinaryOp::Ge:
      return ">=";
    case BinaryOp::And:
      return "&&";
    case BinaryOp::Or:
      return "||";
  }
  return "?";
}

const char* spelling(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
      return "-";
    case UnaryOp::Not:
      return "!";
    case UnaryOp::BitNot:
      return "~";
  }
  return "?";
}

std::string testFileFor(std::string_view flowFile) {
  std::string_view base = flowFile;
  if (base.size() >= 5 && base.substr(base.size() - 5) == ".flow") base.remove_suffix(5);
  return std::string(base) + "_test.flow";
}

std::string subjectOfTestFile(std::string_view path) {
  constexpr std::string_view kSuffix = "_test.flow";
  if (path.size() <= kSuffix.size() || path.substr(path.size() - kSuffix.size()) != kSuffix) return "";
  const std::string_view base = path.substr(0, path.size() - kSuffix.size());
  if (base.empty() || base.back() == '/') return "";
  return std::string(base) + ".flow";
}

void appendDeclarations(Module& into, Module& from) {
  auto move = [](auto& to, auto& src) {
    for (auto& d : src) to.push_back(std::move(d));
    src.clear();
  };
  move(into.types, from.types);
  move(into.consts, from.consts);
  move(into.externs, from.externs);
  move(into.fns, from.fns);
  move(into.pipelines, from.pipelines);
  move(into.tests, from.tests);
  into.lostDecl = into.lostDecl || from.lostDecl;
}

}  // namespace flow::ast
