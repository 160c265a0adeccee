// driver/main.cpp — the `flowc` command line (docs/language.md, "The
// compiler"): dispatches to one subcommand. Each subcommand lives in its own
// file (commands.h); this file only parses flags with llvm::cl.
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/InitLLVM.h>
#include <llvm/Support/raw_ostream.h>

#include "driver/commands.h"

using namespace llvm;

int main(int argc, char** argv) {
  InitLLVM initLLVM(argc, argv);
  return flow::driver::dispatch(argc, argv);
}
