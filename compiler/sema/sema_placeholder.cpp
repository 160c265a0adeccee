#include "sema/sema.h"
namespace flow {
bool checkModule(ast::Module&, DiagnosticEngine& diags) { return !diags.hasErrors(); }
}  // namespace flow
