// Unit tests for runtime/process_filter: only=/exclude= glob lists against an executable path.

#include "process_filter.h"

#include <gtest/gtest.h>

namespace lockscope {
namespace rt {
namespace {

TEST(RtProcessFilter, EmptyListsSelectEverything) {
  EXPECT_TRUE(ProcessSelected("", "", "/usr/bin/ctest"));
  EXPECT_TRUE(ProcessSelected(nullptr, nullptr, "/usr/bin/ctest"));
}

TEST(RtProcessFilter, OnlyMatchesTheBasenameOrThePathWithASlash) {
  EXPECT_TRUE(ProcessSelected("my_*", "", "/build/tests/my_test"));
  EXPECT_FALSE(ProcessSelected("my_*", "", "/usr/bin/ctest"));
  EXPECT_FALSE(ProcessSelected("build/*", "", "/build/tests/my_test"));  // no leading '*'
  EXPECT_TRUE(ProcessSelected("/build/*", "", "/build/tests/my_test"));  // '*' matches '/'
  EXPECT_TRUE(ProcessSelected("sh,my_*", "", "/bin/sh"));
  EXPECT_TRUE(ProcessSelected("sh,my_*", "", "/x/my_test"));
  EXPECT_FALSE(ProcessSelected("sh,my_*", "", "/bin/bash"));
}

TEST(RtProcessFilter, ExcludeWinsAfterOnly) {
  EXPECT_FALSE(ProcessSelected("", "ctest,cmake", "/usr/bin/ctest"));
  EXPECT_TRUE(ProcessSelected("", "ctest,cmake", "/build/my_test"));
  EXPECT_FALSE(ProcessSelected("my_*", "*_slow", "/build/my_test_slow"));
  EXPECT_TRUE(ProcessSelected("my_*", "*_slow", "/build/my_test_fast"));
}

TEST(RtProcessFilter, EmptyEntriesAndOverlongGlobsNeverMatch) {
  EXPECT_FALSE(ProcessSelected(",,", "", "/bin/sh"));
  EXPECT_FALSE(ProcessSelected(std::string(300, '*').c_str(), "", "/bin/sh"));
  EXPECT_TRUE(ProcessSelected("", ",", "/bin/sh"));
  EXPECT_FALSE(ProcessSelected("sh", "", ""));  // unknown executable
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
