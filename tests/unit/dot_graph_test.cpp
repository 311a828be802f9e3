#include "dot_graph.h"
#include "graph_fold.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace lockscope {
namespace viz {
namespace {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::Frame;
using analysis::LockRef;
using analysis::Report;

LockRef Lock(uint32_t id, const std::string& name) {
  LockRef l;
  l.lock_id = id;
  l.pid = 7;
  l.name = name;
  l.kind = "mutex";
  return l;
}

EdgeEvidence Edge(int from, int to, uint32_t tid, const std::string& fn, int line) {
  EdgeEvidence e;
  e.from = from;
  e.to = to;
  e.tid = tid;
  e.from_mode = e.to_mode = "exclusive";
  Frame f;
  f.function = fn;
  f.file = "/src/bank.cc";
  f.line = line;
  e.acquire_stack = {f};
  e.held_stack = {f};
  return e;
}

Report AbbaReport(const std::string& name_a, const std::string& name_b) {
  Report r;
  r.traces.emplace_back();
  Finding f;
  f.kind = FindingKind::kLockOrderCycle;
  f.locks = {Lock(1, name_a), Lock(2, name_b)};
  f.edges = {Edge(0, 1, 11, "Transfer", 31), Edge(1, 0, 12, "Audit", 38)};
  f.threads.resize(2);
  f.threads[0].tid = 11;
  f.threads[0].name = "T1";
  f.threads[1].tid = 12;
  f.threads[1].name = "T2";
  r.findings.push_back(f);
  analysis::SuppressedCandidate s;
  s.reason_id = "gate-lock";
  s.reason = "every edge was taken while holding g_gate";
  s.locks = {Lock(3, "g_c"), Lock(4, "g_d")};
  r.suppressed.push_back(s);
  return r;
}

TEST(DotGraphTest, CycleEdgesAreRedAndNumberedInOrder) {
  std::string dot = RenderDot(AbbaReport("g_accounts_mu", "g_audit_mu"));
  EXPECT_NE(dot.find("L0 -> L1 [label=\"cycle 1 \xC2\xB7 1/2\\nT1: lock g_audit_mu\\n"
                     "holding g_accounts_mu\\nat Transfer bank.cc:31\""),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("L1 -> L0 [label=\"cycle 1 \xC2\xB7 2/2\\nT2: lock g_accounts_mu\\n"
                     "holding g_audit_mu\\nat Audit bank.cc:38\""),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("color=\"#d62728\", fontcolor=\"#d62728\", penwidth=2.5, style=bold"),
            std::string::npos);
}

// A read->write upgrade is one lock and one edge onto itself: a self-loop saying "read -> write".
Report UpgradeReport() {
  Report r;
  r.traces.emplace_back();
  Finding f;
  f.kind = FindingKind::kRwlockUpgrade;
  f.locks = {Lock(5, "chat::Hub::mu_")};
  f.locks[0].kind = "rwlock";
  EdgeEvidence e = Edge(0, 0, 11, "Deregister", 37);
  e.from_mode = "shared";
  e.to_mode = "exclusive";
  f.edges = {e};
  r.findings.push_back(f);
  return r;
}

TEST(DotGraphTest, UpgradeIsAnOrangeSelfLoopReadToWrite) {
  std::string dot = RenderDot(UpgradeReport());
  EXPECT_NE(dot.find("L0 -> L0 [label=\"upgrade read \xE2\x86\x92 write\\n"), std::string::npos)
      << dot;
  EXPECT_NE(dot.find("color=\"#e6550d\""), std::string::npos) << dot;
  EXPECT_EQ(dot.find("cycle 1"), std::string::npos) << dot;
}

TEST(DotGraphTest, EveryFindingKindIsDrawnFromItsFields) {
  for (FindingKind kind : {FindingKind::kRecursiveReadHazard, FindingKind::kDataRace,
                           FindingKind::kContention, FindingKind::kLeakedThread}) {
    Report r = UpgradeReport();
    r.findings[0].kind = kind;
    std::string dot = RenderDot(r);
    EXPECT_NE(dot.find("L0 -> L0 [label=\""), std::string::npos) << dot;
    std::string svg, error;
    EXPECT_TRUE(RenderSvg(dot, &svg, &error)) << error;
  }
}

// Thread findings (no lock-order edges) draw their threads, created where, and the lock a blocked
// one waits on (or released while waiting on a condvar).
TEST(DotGraphTest, ThreadFindingsDrawTheirThreads) {
  Report r;
  r.traces.emplace_back();
  Finding f;
  f.kind = FindingKind::kLeakedThread;
  f.subkind = "blocked";
  f.locks = {Lock(1, "g_pool_mu")};
  f.threads.resize(2);
  for (int i = 0; i < 2; ++i) {
    f.threads[i].tid = 21 + i;
    f.threads[i].name = "T" + std::to_string(i + 1);
    Frame create;
    create.function = "ThreadPool::Start";
    create.file = "/src/pool.cc";
    create.line = 12;
    f.threads[i].create_stack = {create};
  }
  r.findings.push_back(f);
  std::string dot = RenderDot(r);
  EXPECT_NE(dot.find("F1T21 [shape=box"), std::string::npos) << dot;
  EXPECT_NE(dot.find("leaked-thread (blocked)\\ncreated at ThreadPool::Start pool.cc:12"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("F1T22 -> L0 [style=dashed"), std::string::npos) << dot;
  EXPECT_NE(dot.find("blocked at exit"), std::string::npos);
  std::string svg, error;
  EXPECT_TRUE(RenderSvg(dot, &svg, &error)) << error;
  // A leak that is not blocked draws no arrow; a lock-order finding draws no thread nodes.
  r.findings[0].subkind = "running";
  EXPECT_EQ(RenderDot(r).find("-> L0"), std::string::npos);
  EXPECT_EQ(RenderDot(AbbaReport("a", "b")).find("F1T"), std::string::npos);
}

// A whole lock graph: the ABBA locks (ids 1, 2) plus a chain 1 -> 10 -> 11 -> 12 far away.
Report WithGraph() {
  Report r = AbbaReport("a", "b");
  r.suppressed.clear();
  auto& g = r.graph;
  g.locks = {Lock(1, "a"), Lock(10, "near"), Lock(11, "far"), Lock(12, "farther")};
  g.instances = {1, 64, 1, 1};
  for (int i = 0; i + 1 < 4; ++i) {
    analysis::LockGraphEdge e;
    e.from = i;
    e.to = i + 1;
    e.tids = {11, 12};
    e.count = 3;
    e.wait_ns = i == 0 ? 5000000 : 0;
    g.edges.push_back(e);
  }
  g.threads.resize(1);
  g.threads[0].tid = 11;
  g.threads[0].name = "worker";
  return r;
}

TEST(DotGraphTest, DefaultIsTheNeighbourhoodFullGraphIsEverything) {
  Report r = WithGraph();
  std::string dot = RenderDot(r);
  EXPECT_NE(dot.find("near\\nmutex \xC3\x97" "64 instances"), std::string::npos) << dot;
  EXPECT_EQ(dot.find("label=\"far"), std::string::npos) << dot;
  EXPECT_NE(dot.find("2 locks far from every finding not shown"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"worker, thread 12 \xC3\x97" "3\\nwaited 5.00 ms\""),
            std::string::npos)
      << dot;
  DotOptions full;
  full.full_graph = true;
  std::string all = RenderDot(r, full);
  EXPECT_NE(all.find("label=\"farther"), std::string::npos) << all;
  EXPECT_EQ(all.find("not shown"), std::string::npos) << all;
}

TEST(DotGraphTest, HotLocksAreFilledByTheirWaitTime) {
  Report r;
  r.traces.emplace_back();
  r.graph.locks = {Lock(1, "g_cache_mu"), Lock(2, "g_stats_mu"), Lock(3, "g_cold_mu")};
  r.graph.wait_ns = {2'000'000'000, 1000, 0};
  analysis::LockGraphEdge e;
  e.from = 0;
  e.to = 1;
  e.tids = {11};
  r.graph.edges = {e};
  e.from = 1;
  e.to = 2;
  r.graph.edges.push_back(e);
  DotOptions full;
  full.full_graph = true;
  std::string dot = RenderDot(r, full);
  // The most-waited lock is red (#e60000), a barely waited one nearly yellow, a cold one default.
  EXPECT_NE(dot.find("label=\"g_cache_mu\\nmutex\\nwaited 2.00 s in all\""), std::string::npos)
      << dot;
  EXPECT_NE(dot.find("fillcolor=\"#e60000\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("waited 1.0 us in all"), std::string::npos) << dot;
  size_t cold = dot.find("label=\"g_cold_mu\\nmutex\"");
  ASSERT_NE(cold, std::string::npos) << dot;
  EXPECT_EQ(dot.substr(cold, dot.find('\n', cold) - cold).find("fillcolor"), std::string::npos);
}

TEST(DotGraphTest, LargeGraphSwitchesToSfdpAndRenders) {
  Report r = AbbaReport("a", "b");
  auto& g = r.graph;
  const int n = static_cast<int>(kLargeGraphNodes) + 100;
  for (int i = 0; i < n; ++i) g.locks.push_back(Lock(100 + i, "l" + std::to_string(i)));
  for (int i = 0; i + 1 < n; ++i) {
    analysis::LockGraphEdge e;
    e.from = i;
    e.to = (i * 7 + 1) % n;
    g.edges.push_back(e);
  }
  DotOptions full;
  full.full_graph = true;
  std::string dot = RenderDot(r, full);
  EXPECT_NE(dot.find("layout=sfdp"), std::string::npos);
  std::string svg, error;
  ASSERT_TRUE(RenderSvg(dot, &svg, &error)) << error;
  EXPECT_NE(svg.find("<title>L0</title>"), std::string::npos);
}

analysis::LockGraphEdge GraphEdge(int from, int to, uint64_t count, uint32_t tid) {
  analysis::LockGraphEdge e;
  e.from = from;
  e.to = to;
  e.from_mode = e.to_mode = "exclusive";
  e.count = count;
  e.tids = {tid};
  return e;
}

TEST(GraphFoldTest, GroupNameReplacesNumbersAndAddresses) {
  EXPECT_EQ(LockGroupName("shard_17"), "shard_#");
  EXPECT_EQ(LockGroupName("Account::mu_ (0x55d1c0a0)"), "Account::mu_ (#)");
  EXPECT_EQ(LockGroupName("g_mu"), "g_mu");
  EXPECT_EQ(LockGroupName("0x"), "#x");  // a lone "0x" is a number and a letter
}

TEST(GraphFoldTest, FoldMergesEdgesAndKeepsFindingLocks) {
  analysis::LockGraphView g;
  g.locks = {Lock(1, "g_a"), Lock(2, "shard_0"), Lock(3, "shard_1"), Lock(4, "shard_2"),
             Lock(5, "conn_0 (0x10)"), Lock(6, "conn_1 (0x20)")};
  g.wait_ns = {0, 100, 200, 0, 0, 5};
  g.edges = {GraphEdge(1, 2, 2, 11), GraphEdge(2, 3, 3, 12), GraphEdge(0, 1, 1, 11),
             GraphEdge(4, 5, 1, 13), GraphEdge(9, 0, 1, 11)};  // the last is out of range
  FoldedGraph f = FoldLockGraph(g, {{7, 1}});
  EXPECT_FALSE(f.by_kind);
  EXPECT_EQ(f.groups, 2u);
  EXPECT_EQ(f.folded_locks, 5u);
  ASSERT_EQ(f.graph.locks.size(), 3u);
  EXPECT_EQ(f.graph.locks[0].name, "g_a");  // a finding's lock stays itself
  EXPECT_EQ(f.graph.locks[0].lock_id, 1u);
  EXPECT_EQ(f.graph.locks[1].name, "shard_#");
  EXPECT_EQ(f.graph.instances[1], 3u);
  EXPECT_EQ(f.graph.wait_ns[1], 300u);
  EXPECT_EQ(f.graph.locks[2].name, "conn_# (#)");
  EXPECT_GE(f.graph.locks[1].lock_id, kFirstGroupId);
  ASSERT_EQ(f.graph.edges.size(), 3u);
  EXPECT_EQ(f.graph.edges[0].from, 1);  // shard -> shard: one self-loop with both counts
  EXPECT_EQ(f.graph.edges[0].to, 1);
  EXPECT_EQ(f.graph.edges[0].count, 5u);
  EXPECT_EQ(f.graph.edges[0].tids, (std::vector<uint32_t>{11, 12}));
  EXPECT_EQ(f.graph.edges[1].from, 0);
  EXPECT_EQ(f.graph.edges[1].to, 1);
  EXPECT_EQ(f.graph.edges[2].from, 2);
  EXPECT_EQ(f.graph.edges[2].to, 2);
}

TEST(GraphFoldTest, TooManyDistinctNamesGroupByKind) {
  analysis::LockGraphView g;
  for (uint32_t i = 0; i < kMaxGroups + 10; ++i) {
    std::string name = "lock_";  // distinct names without digits
    for (uint32_t v = i; ; v /= 26) {
      name += static_cast<char>('a' + v % 26);
      if (v < 26) break;
    }
    g.locks.push_back(Lock(10 + i, name));
  }
  g.locks.back().kind = "rwlock";
  FoldedGraph f = FoldLockGraph(g, {});
  EXPECT_TRUE(f.by_kind);
  EXPECT_EQ(f.groups, 2u);
  ASSERT_EQ(f.graph.locks.size(), 2u);
  EXPECT_EQ(f.graph.locks[0].name, "other mutex locks");
  EXPECT_EQ(f.graph.instances[0], kMaxGroups + 9);
  EXPECT_EQ(f.graph.locks[1].name, "other rwlock locks");
}

TEST(DotGraphTest, HugeGraphIsFoldedWithTheFindingStillDrawn) {
  Report r = AbbaReport("g_accounts_mu", "g_audit_mu");
  auto& g = r.graph;
  const int n = static_cast<int>(kMaxDrawnLocks) * 4;
  g.locks.push_back(Lock(1, "g_accounts_mu"));
  for (int i = 0; i < n; ++i) g.locks.push_back(Lock(100 + i, "bucket_" + std::to_string(i)));
  for (int i = 1; i + 1 < n; ++i) g.edges.push_back(GraphEdge(i, i + 1, 1, 11));
  g.edges.push_back(GraphEdge(0, 5, 1, 12));
  DotOptions full;
  full.full_graph = true;
  std::string dot = RenderDot(r, full);
  EXPECT_NE(dot.find(std::to_string(n) + " locks drawn as 1 groups of locks named alike"),
            std::string::npos) << dot.substr(0, 600);
  EXPECT_EQ(dot.find("bucket_17"), std::string::npos);
  EXPECT_NE(dot.find("bucket_#"), std::string::npos);
  EXPECT_NE(dot.find("cycle 1"), std::string::npos);  // the finding keeps its own nodes and edges
  EXPECT_NE(dot.find("label=\"g_audit_mu"), std::string::npos);
  EXPECT_EQ(dot.find("layout=sfdp"), std::string::npos);  // small enough for `dot` again
  std::string svg, error;
  ASSERT_TRUE(RenderSvg(dot, &svg, &error)) << error;
}

TEST(DotGraphTest, SuppressedCandidatesAreDashedWithReason) {
  std::string dot = RenderDot(AbbaReport("a", "b"));
  EXPECT_NE(dot.find("style=dashed, color=\"#9a9a9a\", fontcolor=\"#7a7a7a\", "
                     "label=\"suppressed: gate-lock\""),
            std::string::npos)
      << dot;
}

TEST(DotGraphTest, RendersSvgWithTooltips) {
  std::string svg, error;
  ASSERT_TRUE(RenderSvg(RenderDot(AbbaReport("g_accounts_mu", "g_audit_mu")), &svg, &error))
      << error;
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("g_accounts_mu"), std::string::npos);
  EXPECT_NE(svg.find("acquired while holding"), std::string::npos);
}

// Graphviz's pango plugin keeps a pointer to the last measured font name, owned by the context:
// a context per render left it dangling (heap-use-after-free under ASan on the second render).
// Many renders, from two threads at once, must all succeed and stay clean under ASan.
TEST(DotGraphTest, ManyRendersInOneProcessFromTwoThreads) {
  auto render_many = [](const std::string& prefix, std::vector<std::string>* failures) {
    for (int i = 0; i < 4; ++i) {
      std::string a = prefix + "_mu" + std::to_string(i), b = prefix + "_other" + std::to_string(i);
      std::string svg, error;
      if (!RenderSvg(RenderDot(AbbaReport(a, b)), &svg, &error)) {
        failures->push_back(error);
      } else if (svg.find(a) == std::string::npos || svg.find(b) == std::string::npos) {
        failures->push_back("render " + std::to_string(i) + " lost a lock name");
      }
    }
  };
  std::vector<std::string> failures1, failures2;
  std::thread t([&] { render_many("left", &failures1); });
  render_many("right", &failures2);
  t.join();
  EXPECT_TRUE(failures1.empty()) << failures1.front();
  EXPECT_TRUE(failures2.empty()) << failures2.front();
}

TEST(DotGraphTest, HostileNamesAreEscaped) {
  std::string hostile = "<script>alert(\"x\")</script> & \\ \n \xff\xfe";
  std::string dot = RenderDot(AbbaReport(hostile, "b\"]; evil -> x; //"));
  std::string svg, error;
  ASSERT_TRUE(RenderSvg(dot, &svg, &error)) << error << "\n" << dot;
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  // The injected `evil -> x` must stay inside a label, never become a node of its own.
  EXPECT_EQ(svg.find("<title>evil</title>"), std::string::npos);
  EXPECT_EQ(svg.find("<title>x</title>"), std::string::npos);
}

TEST(DotGraphTest, EscapeDotReplacesInvalidUtf8AndControls) {
  EXPECT_EQ(EscapeDot("a\"b"), "a\\\"b");
  EXPECT_EQ(EscapeDot("\xff"), "\xEF\xBF\xBD");
  EXPECT_EQ(EscapeDot("x\x01y"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(EscapeDot("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(EscapeDot("\xC3"), "\xEF\xBF\xBD");  // truncated sequence
}

TEST(DotGraphTest, MalformedEdgeIndicesAreSkipped) {
  Report r = AbbaReport("a", "b");
  r.findings[0].edges[1].to = 9;
  std::string dot = RenderDot(r);
  EXPECT_EQ(dot.find("L1 -> L0"), std::string::npos);
  std::string svg, error;
  EXPECT_TRUE(RenderSvg(dot, &svg, &error)) << error;
}

}  // namespace
}  // namespace viz
}  // namespace lockscope
