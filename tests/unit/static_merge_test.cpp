// static_merge_test.cpp — dynamic findings confirmed by static ones by place (file:line), and
// static-only findings listed and drawn, on hand-built reports.

#include "static_merge.h"

#include <gtest/gtest.h>

#include "analyze.h"

namespace lockscope {
namespace analysis {
namespace {

Frame At(const std::string& file, int line) {
  Frame f;
  f.file = file;
  f.line = line;
  f.function = "Fn";
  return f;
}

Finding Upgrade(int deregister_line) {
  Finding f;
  f.kind = FindingKind::kRwlockUpgrade;
  EdgeEvidence e;
  e.acquire_stack = {At("/usr/include/mutex", 10), At("/build/src/hub.cc", deregister_line),
                     At("/build/src/hub.cc", 31)};
  e.held_stack = {At("/build/src/hub.cc", 28)};
  f.edges = {e};
  return f;
}

StaticFinding StaticUpgrade(const std::string& kind = "rwlock-upgrade") {
  StaticFinding s;
  s.kind = kind;
  s.locks = {"chat::Hub::mu_"};
  s.lock_kinds = {"shared_mutex"};
  StaticEdge e;
  e.from_lock = e.to_lock = "chat::Hub::mu_";
  e.from_mode = "shared";
  e.to_mode = "exclusive";
  e.acquire = {"/src/hub.cc", 37, "chat::Hub::Deregister"};  // another path to the same file
  e.chain = {e.acquire, {"/src/hub.cc", 31, "chat::Hub::Broadcast"}};
  s.edges = {e};
  return s;
}

TEST(StaticMergeTest, SamePlacesConfirmTheDynamicFinding) {
  Report r;
  r.findings = {Upgrade(37)};
  MergeStaticFindings({StaticUpgrade()}, &r);
  EXPECT_TRUE(r.static_merged);
  EXPECT_NE(r.findings[0].confirmed_by_source.find("rwlock-upgrade on chat::Hub::mu_"),
            std::string::npos);
  EXPECT_TRUE(r.static_only.empty());
  EXPECT_TRUE(r.graph.edges.empty());
}

TEST(StaticMergeTest, OtherLineOrOtherKindIsStaticOnlyAndDrawn) {
  for (const StaticFinding& s : {StaticUpgrade(), StaticUpgrade("lock-order-cycle")}) {
    Report r;
    r.findings = {Upgrade(s.kind == "rwlock-upgrade" ? 38 : 37)};
    MergeStaticFindings({s}, &r);
    EXPECT_TRUE(r.findings[0].confirmed_by_source.empty()) << s.kind;
    ASSERT_EQ(r.static_only.size(), 1u);
    EXPECT_NE(r.static_only[0].find("hub.cc:37"), std::string::npos) << r.static_only[0];
    ASSERT_EQ(r.graph.edges.size(), 1u);
    EXPECT_TRUE(r.graph.edges[0].static_only);
    ASSERT_EQ(r.graph.locks.size(), 1u);  // the upgrade is a self-edge of one lock
    EXPECT_EQ(r.graph.locks[0].name, "chat::Hub::mu_");
    EXPECT_EQ(r.graph.edges[0].acquire_stack.size(), 2u);
  }
}

TEST(StaticMergeTest, BadFilesAreOneLineErrors) {
  std::vector<StaticFinding> out;
  std::string error;
  EXPECT_FALSE(LoadStaticFindings("/nonexistent/findings.json", &out, &error));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
