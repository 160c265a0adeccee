// catch_main.cpp — the Catch2 main() shared by every runtime test binary.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
