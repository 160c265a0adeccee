// lsp/server.h — `flowc lsp`: a Language Server for .flow files over a pair
// of streams (docs/lsp.md). Keeps the open documents, answers initialize,
// hover, definition, completion and formatting, and publishes diagnostics
// when a document is opened or changed. One request at a time, in order.
#pragma once

#include <cstdio>

namespace flow::lsp {

/// Serves until the client sends `exit` or closes `in`. Returns the exit
/// status the protocol asks for: 0 after `shutdown` then `exit`, else 1.
int runServer(std::FILE* in, std::FILE* out);

}  // namespace flow::lsp
