// driver/commands.h — the flowc subcommands. `dispatch` parses argv with
// llvm::cl subcommands and runs one; it returns the process exit status
// (0 ok, 1 errors in the input or a failed build, 2 bad command line).
#pragma once

namespace flow::driver {

int dispatch(int argc, char** argv);

}  // namespace flow::driver
