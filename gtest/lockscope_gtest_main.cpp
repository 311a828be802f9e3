// lockscope_gtest_main.cpp — gtest_main with the lockscope listener installed (lockscope/gtest.h).

#include <gtest/gtest.h>

#include "lockscope/gtest.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  lockscope::gtest::InstallListener();
  return RUN_ALL_TESTS();
}
