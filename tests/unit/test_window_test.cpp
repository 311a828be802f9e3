// Unit tests for analyzer/test_window: pairing of kTestBegin/kTestEnd markers, attribution of
// cycles by when they closed, per-test thread leaks (joined or detached in time, created
// detached, not yet started), and Analyze() with and without a --test-window, on hand-built
// traces.

#include "test_window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>

#include "analyze.h"

namespace lockscope {
namespace analysis {
namespace {

constexpr uint32_t kMain = 100;

void Marker(Trace* t, uint64_t seq, bool end, const std::string& name, uint32_t tid = kMain) {
  TestMarkerEvent m;
  m.seq = seq;
  m.end = end;
  m.name = name;
  m.tid = tid;
  t->test_markers.push_back(m);
}

// Thread `tid` created by main at `seq` (its epoch before the create is `epoch`).
ThreadInfo& Created(Trace* t, uint32_t tid, uint64_t seq, uint32_t epoch, bool started = true,
                    bool detached_attr = false) {
  t->thread_creates.push_back(ThreadCreateEvent{seq, kMain, epoch, 0x1000u + tid, 0, detached_attr});
  ThreadInfo& info = t->threads[tid];
  if (started) {
    info.tid = tid;
    info.parent_tid = kMain;
    info.parent_epoch = epoch;
    info.started = true;
    info.start_seq = seq + 1;
  } else {
    t->threads.erase(tid);
  }
  return t->threads[tid];
}

Trace BaseTrace() {
  Trace t;
  t.pid = static_cast<int32_t>(kMain);
  ThreadInfo& main = t.threads[kMain];
  main.tid = kMain;
  main.started = true;
  main.start_seq = 1;
  return t;
}

std::vector<Finding> Leaks(const Trace& trace, const TestWindow& w) {
  SymbolizerOptions options;
  options.enabled = false;
  Symbolizer symbolizer({}, options);
  FindingContext ctx(trace, &symbolizer);
  std::vector<Finding> out;
  AddTestLeakFindings(ctx, w, &out);
  return out;
}

TEST(TestWindowTest, PairsMarkersPerThreadAndName) {
  Trace t = BaseTrace();
  Marker(&t, 10, false, "A.One");
  Marker(&t, 12, true, "A.One");
  Marker(&t, 13, true, "A.Stray");  // an end without its begin: ignored
  Marker(&t, 20, false, "A.Two");   // the process died inside it
  std::vector<TestWindow> w = TestWindows(t);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].name, "A.One");
  EXPECT_EQ(w[0].begin, 10u);
  EXPECT_EQ(w[0].end, 12u);
  EXPECT_EQ(w[1].name, "A.Two");
  EXPECT_EQ(w[1].end, std::numeric_limits<uint64_t>::max());
}

TEST(TestWindowTest, AttributesFindingsBySeq) {
  std::vector<TestWindow> windows = {{10, 20, "A.One", false}, {30, 40, "A.Two", false}};
  std::vector<Finding> f(4);
  f[0].seq = 15;
  f[1].seq = 35;
  f[2].seq = 25;  // between tests
  f[3].seq = 0;   // unknown
  f[0].test = "";
  AttributeToTests(windows, &f, 0);
  EXPECT_EQ(f[0].test, "A.One");
  EXPECT_EQ(f[1].test, "A.Two");
  EXPECT_EQ(f[2].test, "");
  EXPECT_EQ(f[3].test, "");
}

TEST(TestWindowTest, LeakedThreadsOfOneTest) {
  Trace t = BaseTrace();
  TestWindow w{10, 50, "Pool.Leaks", false};
  Created(&t, 1, 5, 0);                     // before the test: not its thread
  ThreadInfo& joined = Created(&t, 2, 11, 1);
  joined.joined = true;
  joined.join_seq = 20;                     // joined in time
  ThreadInfo& late = Created(&t, 3, 12, 2);
  late.joined = true;
  late.join_seq = 60;                       // joined only after the test ended: leaked
  ThreadInfo& detached = Created(&t, 4, 13, 3);
  detached.detached = true;
  detached.detach_seq = 30;                 // detached in time
  Created(&t, 5, 14, 4, true, /*detached_attr=*/true);  // created detached
  Created(&t, 6, 15, 5, /*started=*/false);  // never ran before the analysis
  ThreadInfo& self = Created(&t, 7, 16, 6);
  self.detached = true;                     // detached itself: detach_seq 0
  std::vector<Finding> leaks = Leaks(t, w);
  ASSERT_EQ(leaks.size(), 2u);
  EXPECT_EQ(leaks[0].kind, FindingKind::kLeakedThread);
  EXPECT_EQ(leaks[0].subkind, "test-leak");
  EXPECT_EQ(leaks[0].test, "Pool.Leaks");
  EXPECT_EQ(leaks[0].seq, 12u);
  ASSERT_EQ(leaks[0].threads.size(), 1u);
  EXPECT_EQ(leaks[0].threads[0].tid, 3u);
  EXPECT_EQ(leaks[1].seq, 15u);
  EXPECT_TRUE(leaks[1].threads.empty());
  EXPECT_NE(leaks[1].story.find("had not even started running"), std::string::npos)
      << leaks[1].story;
}

TEST(TestWindowTest, BlockedLeakSaysWhere) {
  Trace t = BaseTrace();
  Created(&t, 1, 11, 0);
  SlotSnapshot s;
  s.tid = 1;
  s.state = trace::ThreadState::kBlocked;
  s.wait_kind = trace::WaitKind::kCond;
  t.slots.push_back(s);
  std::vector<Finding> leaks = Leaks(t, TestWindow{10, 20, "Cache.Leak", false});
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_NE(leaks[0].story.find("it is still blocked in pthread_cond_wait"), std::string::npos)
      << leaks[0].story;
  EXPECT_EQ(leaks[0].extra_stacks.size(), 1u);
}

// Main takes A then B before the test; a worker takes B then A during it: the cycle closes in the
// test. A second cycle C/D closes before the test and must not be blamed on it.
Trace CycleTrace() {
  Trace t = BaseTrace();
  for (uint32_t id : {1u, 2u, 3u, 4u}) {
    t.locks[id].id = id;
    t.locks[id].kind = LockKind::kMutex;
  }
  auto acquire = [&](uint32_t tid, uint64_t seq, uint32_t lock, uint32_t held, uint32_t epoch) {
    AcquireEvent a;
    a.tid = tid;
    a.seq = seq;
    a.lock_id = lock;
    a.epoch = epoch;
    if (held != 0) a.held.push_back(HeldLock{held, 0, LockMode::kExclusive, 1});
    t.acquires.push_back(a);
  };
  Created(&t, 1, 3, 0);
  Created(&t, 2, 4, 1);
  acquire(kMain, 5, 1, 0, 2);
  acquire(kMain, 6, 2, 1, 2);   // A -> B
  acquire(2, 7, 4, 0, 0);
  acquire(2, 8, 3, 4, 0);       // D -> C (worker 2, before the test)
  acquire(kMain, 9, 3, 0, 2);
  acquire(kMain, 10, 4, 3, 2);  // C -> D: closes C/D before the test
  Marker(&t, 20, false, "Bank.Transfer");
  acquire(1, 21, 2, 0, 0);
  acquire(1, 22, 1, 2, 0);      // B -> A: closes A/B inside the test
  Marker(&t, 30, true, "Bank.Transfer");
  std::sort(t.acquires.begin(), t.acquires.end(),
            [](const AcquireEvent& a, const AcquireEvent& b) { return a.seq < b.seq; });
  return t;
}

TEST(TestWindowTest, AnalyzeAttributesCyclesToTheTestTheyClosedIn) {
  AnalyzeOptions options;
  options.symbolize = false;
  Report r = Analyze({CycleTrace()}, options);
  ASSERT_EQ(r.findings.size(), 2u);
  std::vector<std::string> tests;
  for (const Finding& f : r.findings) tests.push_back(f.test);
  std::sort(tests.begin(), tests.end());
  EXPECT_EQ(tests, (std::vector<std::string>{"", "Bank.Transfer"}));

  options.test_window_begin = 20;
  options.test_window_end = 30;
  Report window = Analyze({CycleTrace()}, options);
  ASSERT_EQ(window.findings.size(), 1u);
  EXPECT_EQ(window.findings[0].test, "Bank.Transfer");
  EXPECT_EQ(window.findings[0].seq, 22u);
  std::vector<uint32_t> locks;
  for (const LockRef& l : window.findings[0].locks) locks.push_back(l.lock_id);
  std::sort(locks.begin(), locks.end());
  EXPECT_EQ(locks, (std::vector<uint32_t>{1, 2}));
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
