// The main() of every doctest executable tests/test_<name> (built once as weft_doctest_main).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
