// thread_leaks_test.cpp — leaked-thread findings on hand-built traces (no files, no
// symbolization): blocked / running / not-joined, grouping, and what stays quiet and why.

#include "thread_leaks.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "symbolizer.h"
#include "wait_findings.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

constexpr uint32_t kMain = 100, kT1 = 101, kT2 = 102, kT3 = 103;
constexpr uint32_t kMu = 1;

class LeakTraceBuilder {
 public:
  LeakTraceBuilder() {
    t_.pid = kMain;
    t_.path = "hand.lstrace";
    t_.start_monotonic_ns = 1000;
    t_.stats.clean_exit = true;
    t_.wake_table.assign(tf::kWakeBuckets, 0);
    LockInfo l;
    l.id = kMu;
    l.address = 0x1000;
    l.kind = LockKind::kMutex;
    t_.locks[kMu] = l;
    Thread(kMain, 0).exited = true;
    Slot(kMain).state = tf::ThreadState::kExited;
  }
  // A thread created by main at creation site `create_stack` (start order = call order).
  ThreadInfo& Thread(uint32_t tid, uint32_t parent = kMain, uint32_t create_stack = 7) {
    ThreadInfo& info = t_.threads[tid];
    info.tid = tid;
    info.started = true;
    info.parent_tid = parent;
    info.create_stack_id = parent == 0 ? 0 : create_stack;
    info.start_routine = parent == 0 ? 0 : 0x4000;
    info.start_seq = ++seq_;
    info.pthread_self = 0x7000 + tid;
    return info;
  }
  SlotSnapshot& Slot(uint32_t tid) {
    SlotSnapshot s;
    s.tid = tid;
    s.pthread_self = 0x7000 + tid;
    s.state = tf::ThreadState::kRunning;
    t_.slots.push_back(s);
    return t_.slots.back();
  }
  LeakTraceBuilder& Running(uint32_t tid, uint32_t create_stack = 7) {
    Thread(tid, kMain, create_stack);
    Slot(tid);
    return *this;
  }
  // Blocked on a condvar with its mutex released, no wake-up of the condvar since.
  LeakTraceBuilder& CondBlocked(uint32_t tid, uint64_t cond = 0xc0) {
    Thread(tid);
    SlotSnapshot& s = Slot(tid);
    s.state = tf::ThreadState::kBlocked;
    s.wait_kind = tf::WaitKind::kCond;
    s.wait_object = cond;
    s.wait_lock_id = kMu;
    s.wait_stack_id = 30;
    s.wait_since_ns = 5000;
    return *this;
  }
  LeakTraceBuilder& Finished(uint32_t tid, bool joined = false) {
    ThreadInfo& info = Thread(tid);
    info.exited = true;
    info.exit_time_ns = 4000;
    info.joined = joined;
    Slot(tid).state = tf::ThreadState::kExited;
    return *this;
  }
  Trace& trace() { return t_; }

 private:
  Trace t_;
  uint64_t seq_ = 0;
};

struct Result {
  std::vector<Finding> findings;
  std::vector<SuppressedCandidate> suppressed;
};

Result Leaks(const Trace& trace) {
  Symbolizer symbolizer(trace.modules, SymbolizerOptions{"", {}, false});
  FindingContext ctx(trace, &symbolizer);
  Result r;
  AddLeakedThreadFindings(ctx, &r.findings, &r.suppressed);
  return r;
}

TEST(LeakedThreadTest, WorkerBlockedAtExitIsAnError) {
  LeakTraceBuilder b;
  b.CondBlocked(kT1);
  Result r = Leaks(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kLeakedThread);
  EXPECT_EQ(f.subkind, "blocked");
  EXPECT_EQ(f.severity, "error");
  ASSERT_EQ(f.threads.size(), 1u);
  EXPECT_EQ(f.threads[0].tid, kT1);
  EXPECT_EQ(f.threads[0].parent_tid, kMain);
  ASSERT_EQ(f.locks.size(), 1u);  // the condvar's mutex
  EXPECT_EQ(f.locks[0].lock_id, kMu);
  ASSERT_EQ(f.extra_stacks.size(), 1u);
  EXPECT_NE(f.extra_stack_titles[0].find("blocked here at exit since +0.000 s"), std::string::npos)
      << f.extra_stack_titles[0];
  EXPECT_NE(f.summary.find("still blocked at exit, waiting on condition variable 0xc0"),
            std::string::npos)
      << f.summary;
  EXPECT_NE(f.story.find("the shutdown never woke it"), std::string::npos) << f.story;
  EXPECT_TRUE(r.suppressed.empty());
}

TEST(LeakedThreadTest, AWaiterWokenJustBeforeExitCountsAsRunning) {
  LeakTraceBuilder b;
  b.CondBlocked(kT1, 0xc0);
  b.trace().wake_table[tf::WakeBucket(0xc0)] = 1;  // its condvar was signalled after it waited
  Result r = Leaks(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].subkind, "running");
  // A wake-up of another condvar does not matter.
  LeakTraceBuilder c;
  c.CondBlocked(kT1, 0xc0);
  c.trace().wake_table[tf::WakeBucket(0xf0)] = 5;
  EXPECT_EQ(Leaks(c.trace()).findings.at(0).subkind, "blocked");
}

TEST(LeakedThreadTest, StillRunningAtExitIsAWarningWithItsCreationSite) {
  LeakTraceBuilder b;
  b.Running(kT1);
  Result r = Leaks(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].subkind, "running");
  EXPECT_EQ(r.findings[0].severity, "warning");
  EXPECT_TRUE(r.findings[0].extra_stacks.empty());
  EXPECT_NE(r.findings[0].summary.find("started by T0"), std::string::npos);
}

TEST(LeakedThreadTest, FinishedButNeverJoined) {
  LeakTraceBuilder b;
  b.Finished(kT1).Finished(kT2, /*joined=*/true);
  Result r = Leaks(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].subkind, "not-joined");
  ASSERT_EQ(r.findings[0].threads.size(), 1u);
  EXPECT_EQ(r.findings[0].threads[0].tid, kT1);
  EXPECT_NE(r.findings[0].story.find("finished (at +0.000 s)"), std::string::npos)
      << r.findings[0].story;
}

TEST(LeakedThreadTest, ThreadsFromOneSiteAreOneFindingOtherSitesAnother) {
  LeakTraceBuilder b;
  b.Running(kT1, 7).Running(kT2, 7).Running(kT3, 8);
  Result r = Leaks(b.trace());
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].threads.size(), 2u);
  EXPECT_NE(r.findings[0].summary.find("2 threads"), std::string::npos);
  EXPECT_EQ(r.findings[1].threads.size(), 1u);
}

TEST(LeakedThreadTest, JoinedOrMainOrDetachedThreadsAreNotLeaks) {
  LeakTraceBuilder b;
  b.Running(kT1);
  b.trace().threads[kT1].joined = true;  // joined (e.g. the exit came from another thread)
  b.Running(kT2);
  b.trace().threads[kT2].detached = b.trace().threads[kT2].detached_at_create = true;
  b.Running(kT3);
  b.trace().threads[kT3].detached = true;
  b.trace().threads[kMain].exited = false;  // main itself alive at exit (exit() from a worker)
  b.trace().slots[0].state = tf::ThreadState::kRunning;
  Result r = Leaks(b.trace());
  EXPECT_TRUE(r.findings.empty());
  // The detached ones are said, once per creation site (both come from site 7).
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "detached");
  EXPECT_EQ(r.suppressed[0].tids, (std::vector<uint32_t>{kT2, kT3}));
  EXPECT_NE(r.suppressed[0].reason.find("may outlive main"), std::string::npos);
}

TEST(LeakedThreadTest, FinishedDetachedThreadsSayNothing) {
  LeakTraceBuilder b;
  b.Finished(kT1);
  b.trace().threads[kT1].detached = true;
  Result r = Leaks(b.trace());
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.suppressed.empty());
}

TEST(LeakedThreadTest, UnknownOriginIsSuppressed) {
  LeakTraceBuilder b;
  b.Thread(kT1, /*parent=*/0);
  b.Slot(kT1);
  Result r = Leaks(b.trace());
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "unknown-origin");
}

TEST(LeakedThreadTest, ThreadsARuntimeLibraryStartedForItselfAreSuppressed) {
  LeakTraceBuilder b;
  ModuleInfo tsan;
  tsan.start = 0x10000;
  tsan.end = 0x20000;
  tsan.path = "/usr/lib/x86_64-linux-gnu/libtsan.so.2";
  ModuleInfo prog;
  prog.start = 0x50000;
  prog.end = 0x60000;
  prog.path = "/work/prog";
  b.trace().modules = {tsan, prog};
  b.trace().stacks[8] = {0x10010, 0x50010};  // pthread_create called from inside libtsan
  b.trace().stacks[9] = {0x50020};           // called by the program
  b.Running(kT1, 8).Running(kT2, 9);
  Result r = Leaks(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].threads.at(0).tid, kT2);
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "runtime-thread");
  EXPECT_NE(r.suppressed[0].reason.find("libtsan.so.2"), std::string::npos) << r.suppressed[0].reason;
}

TEST(LeakedThreadTest, ImportedTracesWithoutSlotsSayNothing) {
  LeakTraceBuilder b;
  b.Running(kT1);
  b.trace().slots.clear();
  Result r = Leaks(b.trace());
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.suppressed.empty());
}

TEST(LeakedThreadTest, HungOrKilledProcessesAreLeftToTheWaitFindings) {
  LeakTraceBuilder b;
  b.CondBlocked(kT1);
  b.trace().stats.clean_exit = false;
  Result r = Leaks(b.trace());
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.suppressed.empty());
}

TEST(LeakedThreadTest, LostRecordsSuppressInsteadOfInventingLeaks) {
  LeakTraceBuilder b;
  b.Finished(kT1);
  b.trace().stats.dropped_records = 3;  // the join record may be among them
  Result r = Leaks(b.trace());
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "incomplete-trace");
}

TEST(LeakedThreadTest, AThreadWithoutSlotIsStillSeenAlive) {
  LeakTraceBuilder b;
  b.Thread(kT1);  // more threads than slots: no live state, no exit record
  Result r = Leaks(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].subkind, "running");
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
