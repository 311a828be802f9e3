// Unit tests for analyzer/cli/runtime_options.h: `lockscope run` writes LOCKSCOPE_OPTIONS from the
// flags.inc table (never by hand), keeps what the user already had, and overrides by key.

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "cli/runtime_options.h"

namespace lockscope {
namespace cli {
namespace {

TEST(CliOptionsTest, TableMirrorsFlagsInc) {
  ASSERT_GT(kRuntimeFlagCount, 0u);
  std::set<std::string> names;
  for (const RuntimeFlag& f : kRuntimeFlags) {
    EXPECT_TRUE(std::strcmp(f.type, "bool") == 0 || std::strcmp(f.type, "int") == 0 ||
                std::strcmp(f.type, "string") == 0)
        << f.name << " has type " << f.type;
    EXPECT_GT(std::strlen(f.help), 0u) << f.name;
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate flag " << f.name;
  }
  // The two the brief names explicitly.
  EXPECT_EQ(names.count("stack_depth"), 1u);
  EXPECT_EQ(names.count("full_events"), 1u);
}

TEST(CliOptionsTest, OptionNamesUseDashes) {
  EXPECT_EQ(RuntimeOptionName("stack_depth"), "stack-depth");
  EXPECT_EQ(RuntimeOptionName("full_events"), "full-events");
  EXPECT_EQ(RuntimeOptionName("verbose"), "verbose");
}

TEST(CliOptionsTest, MergeAppendsToNothing) {
  EXPECT_EQ(MergeRuntimeOptions(nullptr, {}), "");
  EXPECT_EQ(MergeRuntimeOptions(nullptr, {{"stack_depth", "16"}, {"full_events", "1"}}),
            "stack_depth=16:full_events=1");
}

TEST(CliOptionsTest, MergeKeepsExistingAndOverridesByKey) {
  EXPECT_EQ(MergeRuntimeOptions("verbose=1:stack_depth=4", {{"stack_depth", "16"}}),
            "verbose=1:stack_depth=16");
  EXPECT_EQ(
      MergeRuntimeOptions("stack_depth=4:stack_depth=5:max_threads=9", {{"stack_depth", "2"}}),
      "max_threads=9:stack_depth=2");
  EXPECT_EQ(MergeRuntimeOptions("a=1", {}), "a=1");
}

TEST(CliOptionsTest, MergeDropsEmptyEntriesAndKeepsUnknownKeys) {
  EXPECT_EQ(MergeRuntimeOptions("::a=1::future_flag=x:", {{"full_events", "0"}}),
            "a=1:future_flag=x:full_events=0");
  EXPECT_EQ(MergeRuntimeOptions("novalue", {}), "novalue");
}

}  // namespace
}  // namespace cli
}  // namespace lockscope
