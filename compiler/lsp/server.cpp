// lsp/server.cpp — the request loop of `flowc lsp` (server.h): JSON-RPC 2.0
// over the base protocol (transport.h), full-text document sync, and one
// handler per method. A request the server does not know gets
// MethodNotFound; an unknown notification is ignored, as the protocol asks.
// Positions are UTF-16 (the protocol's default encoding, positions.h).
#include "lsp/server.h"

#include <map>
#include <memory>
#include <string>
#include <variant>

#include "lsp/document.h"
#include "lsp/transport.h"

namespace flow::lsp {
namespace {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kServerNotInitialized = -32002;
constexpr int kRequestFailed = -32803;

struct Failure {
  int code;
  std::string message;
};

class Server {
 public:
  Server(std::FILE* in, std::FILE* out) : transport_(in, out) {}

  int run() {
    while (std::optional<std::string> text = transport_.read()) {
      llvm::Expected<Value> message = llvm::json::parse(*text);
      if (!message) {
        std::string why = llvm::toString(message.takeError());
        reply(nullptr, Failure{kParseError, "the message is not JSON: " + why});
        continue;
      }
      const Object* object = message->getAsObject();
      if (!object || !object->getString("method")) {
        // A response to a request of ours (we send none) or garbage.
        if (object && object->get("id")) reply(*object->get("id"), Failure{kInvalidRequest, "no method"});
        continue;
      }
      if (dispatch(*object)) break;
    }
    return shutdown_ ? 0 : 1;
  }

 private:
  /// Handles one message; true when the server must stop (`exit`).
  bool dispatch(const Object& message) {
    const std::string method = message.getString("method")->str();
    const Value* id = message.get("id");
    static const Object kNoParams;
    const Object* params = message.getObject("params");
    if (!params) params = &kNoParams;
    if (method == "exit") return true;
    if (!id) {
      notification(method, *params);
      return false;
    }
    if (!initialized_ && method != "initialize") {
      reply(*id, Failure{kServerNotInitialized, "initialize first"});
      return false;
    }
    std::variant<Value, Failure> result = request(method, *params);
    if (auto* failure = std::get_if<Failure>(&result))
      reply(*id, *failure);
    else
      reply(*id, std::move(std::get<Value>(result)));
    return false;
  }

  std::variant<Value, Failure> request(const std::string& method, const Object& params) {
    if (method == "initialize") return initialize();
    if (method == "shutdown") {
      shutdown_ = true;
      return Value(nullptr);
    }
    if (method != "textDocument/hover" && method != "textDocument/definition" &&
        method != "textDocument/completion" && method != "textDocument/formatting")
      return Failure{kMethodNotFound, "method not found: " + method};
    Document* doc = document(params);
    if (!doc) return Failure{kInvalidParams, "the document is not open"};
    if (method == "textDocument/formatting") {
      std::optional<Value> edits = doc->formatting();
      if (!edits) return Failure{kRequestFailed, "cannot format: the file has a syntax error"};
      return std::move(*edits);
    }
    const Object* pos = params.getObject("position");
    llvm::Optional<int64_t> line = pos ? pos->getInteger("line") : llvm::None;
    llvm::Optional<int64_t> character = pos ? pos->getInteger("character") : llvm::None;
    if (!line || !character) return Failure{kInvalidParams, "no position"};
    const int l = static_cast<int>(*line), c = static_cast<int>(*character);
    if (method == "textDocument/hover") return doc->hover(l, c);
    if (method == "textDocument/definition") return doc->definition(l, c);
    return doc->completion(l, c);
  }

  Value initialize() {
    initialized_ = true;
    return Object{{"capabilities", Object{{"textDocumentSync",
                                           Object{{"openClose", true}, {"change", 1}}},  // 1: the whole text
                                          {"hoverProvider", true},
                                          {"definitionProvider", true},
                                          {"completionProvider", Object{{"triggerCharacters", Array{"."}}}},
                                          {"documentFormattingProvider", true}}},
                  {"serverInfo", Object{{"name", "flowc lsp"}}}};
  }

  void notification(const std::string& method, const Object& params) {
    const Object* td = params.getObject("textDocument");
    llvm::Optional<llvm::StringRef> uri = td ? td->getString("uri") : llvm::None;
    if (method == "textDocument/didOpen" && uri) {
      llvm::Optional<llvm::StringRef> text = td->getString("text");
      auto doc = std::make_unique<Document>(uri->str(), text ? text->str() : "");
      publish(*doc);
      documents_[uri->str()] = std::move(doc);
    } else if (method == "textDocument/didChange" && uri) {
      auto it = documents_.find(uri->str());
      const Array* changes = params.getArray("contentChanges");
      if (it == documents_.end() || !changes || changes->empty()) return;
      // Full sync: the last change holds the whole text.
      const Object* last = changes->back().getAsObject();
      llvm::Optional<llvm::StringRef> text = last ? last->getString("text") : llvm::None;
      if (!text) return;
      it->second->setText(text->str());
      publish(*it->second);
    } else if (method == "textDocument/didClose" && uri) {
      documents_.erase(uri->str());
      // Clear what the editor shows for a closed file.
      transport_.write(Object{{"jsonrpc", "2.0"},
                              {"method", "textDocument/publishDiagnostics"},
                              {"params", Object{{"uri", *uri}, {"diagnostics", Array{}}}}});
    }
  }

  Document* document(const Object& params) {
    const Object* td = params.getObject("textDocument");
    llvm::Optional<llvm::StringRef> uri = td ? td->getString("uri") : llvm::None;
    if (!uri) return nullptr;
    auto it = documents_.find(uri->str());
    return it == documents_.end() ? nullptr : it->second.get();
  }

  void publish(const Document& doc) {
    transport_.write(Object{
        {"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"}, {"params", doc.diagnostics()}});
  }

  void reply(Value id, Value result) {
    transport_.write(Object{{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"result", std::move(result)}});
  }
  void reply(Value id, const Failure& f) {
    transport_.write(Object{{"jsonrpc", "2.0"},
                            {"id", std::move(id)},
                            {"error", Object{{"code", f.code}, {"message", f.message}}}});
  }

  Transport transport_;
  std::map<std::string, std::unique_ptr<Document>> documents_;
  bool initialized_ = false;
  bool shutdown_ = false;
};

}  // namespace

int runServer(std::FILE* in, std::FILE* out) { return Server(in, out).run(); }

}  // namespace flow::lsp
