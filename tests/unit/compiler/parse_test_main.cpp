// parse_test_main.cpp — the Catch2 main of the parser's unit tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
