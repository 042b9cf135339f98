// The one unit test executable: every tests/unit/<folder>/ adds its sources to it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest.h>
