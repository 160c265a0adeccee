// driver/main.cpp — the `flowc` command line (docs/language.md, "The
// compiler"): sets up LLVM's signal handlers and argv, then hands over to
// dispatch() (commands.cpp), which parses the flags with llvm::cl subcommands
// and runs one; each subcommand lives in its own file (commands.h).
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/InitLLVM.h>
#include <llvm/Support/raw_ostream.h>

#include "driver/commands.h"

using namespace llvm;

int main(int argc, char** argv) {
  InitLLVM initLLVM(argc, argv);
  return flow::driver::dispatch(argc, argv);
}
