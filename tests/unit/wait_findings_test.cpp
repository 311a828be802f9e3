// wait_findings_test.cpp — the wait-for graph and actual-deadlock findings on hand-built thread
// slots (no files, no symbolization), plus Analyze() end to end on the same traces.

#include "wait_findings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analyze.h"
#include "symbolizer.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

constexpr uint32_t kMain = 100, kT1 = 101, kT2 = 102, kT3 = 103;
constexpr uint32_t kA = 1, kB = 2, kC = 3;

class SlotTraceBuilder {
 public:
  SlotTraceBuilder() {
    t_.pid = kMain;
    t_.path = "hand.lstrace";
    t_.start_monotonic_ns = 1000;
    for (uint32_t id : {kA, kB, kC}) {
      LockInfo l;
      l.id = id;
      l.address = 0x1000 * id;
      l.kind = LockKind::kMutex;
      t_.locks[id] = l;
    }
  }
  SlotSnapshot& Slot(uint32_t tid, std::vector<uint32_t> held, LockMode held_mode = LockMode::kExclusive) {
    ThreadInfo& info = t_.threads[tid];
    info.tid = tid;
    info.started = true;
    info.parent_tid = tid == kMain ? 0 : kMain;
    info.pthread_self = 0x7000 + tid;
    SlotSnapshot s;
    s.tid = tid;
    s.pthread_self = 0x7000 + tid;
    s.state = tf::ThreadState::kRunning;
    for (uint32_t h : held) s.held.push_back({h, 20 + h, held_mode, 1});
    t_.slots.push_back(s);
    return t_.slots.back();
  }
  SlotTraceBuilder& Running(uint32_t tid, std::vector<uint32_t> held) {
    Slot(tid, held);
    return *this;
  }
  SlotTraceBuilder& WaitsLock(uint32_t tid, uint32_t lock, std::vector<uint32_t> held,
                              LockMode mode = LockMode::kExclusive,
                              LockMode held_mode = LockMode::kExclusive) {
    SlotSnapshot& s = Slot(tid, held, held_mode);
    s.state = tf::ThreadState::kBlocked;
    s.wait_kind = tf::WaitKind::kLock;
    s.wait_lock_id = lock;
    s.wait_mode = mode;
    s.wait_stack_id = 30 + tid;
    s.wait_since_ns = 5000;
    return *this;
  }
  SlotTraceBuilder& Joins(uint32_t tid, uint32_t target, std::vector<uint32_t> held,
                          bool by_pthread = false) {
    SlotSnapshot& s = Slot(tid, held);
    s.state = tf::ThreadState::kBlocked;
    s.wait_kind = tf::WaitKind::kJoin;
    s.wait_object = by_pthread ? 0x7000 + target : target;
    s.wait_flags = by_pthread ? tf::kWaitJoinPthread : 0;
    s.wait_stack_id = 30 + tid;
    return *this;
  }
  SlotTraceBuilder& Exited(uint32_t tid, std::vector<uint32_t> held) {
    Slot(tid, held).state = tf::ThreadState::kExited;
    return *this;
  }
  SlotTraceBuilder& Watchdog(tf::WatchdogVerdict verdict, std::vector<uint32_t> tids) {
    WatchdogEvent w;
    w.seq = 1;
    w.time_ns = 2'001'000;
    w.verdict = verdict;
    w.tids = tids;
    t_.watchdog_reports.push_back(w);
    return *this;
  }
  const Trace& trace() const { return t_; }

 private:
  Trace t_;
};

std::vector<Finding> Deadlocks(const Trace& trace) {
  Symbolizer symbolizer({}, SymbolizerOptions{"", {}, false});
  FindingContext ctx(trace, &symbolizer);
  std::vector<Finding> out;
  AddActualDeadlockFindings(ctx, &out);
  return out;
}

std::vector<uint32_t> CycleTids(const Trace& trace, const std::vector<WaitForEdge>& cycle) {
  std::vector<uint32_t> tids;
  for (const WaitForEdge& e : cycle) tids.push_back(trace.slots[e.from].tid);
  return tids;
}

SlotTraceBuilder RecursiveReadBehindWriter(bool prefer_writer) {
  SlotTraceBuilder b;
  // T1 read-holds A and read-requests it again; T2 write-requests A (queued behind T1's read).
  b.WaitsLock(kT1, kA, {kA}, LockMode::kShared, LockMode::kShared);
  b.WaitsLock(kT2, kA, {}, LockMode::kExclusive);
  LockInfo& a = const_cast<Trace&>(b.trace()).locks[kA];
  a.kind = LockKind::kRwLock;
  if (prefer_writer) a.attrs |= tf::kAttrPreferWriter;
  return b;
}

TEST(WaitFindingsTest, RecursiveReadBehindAQueuedWriterIsADeadlockOnWriterPreferringLocks) {
  SlotTraceBuilder b = RecursiveReadBehindWriter(/*prefer_writer=*/true);
  auto cycles = BlockedCycles(b.trace());
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(CycleTids(b.trace(), cycles[0]), (std::vector<uint32_t>{kT1, kT2}));
  EXPECT_TRUE(cycles[0][0].behind_writer);   // T1 waits behind T2's queued write
  EXPECT_FALSE(cycles[0][1].behind_writer);  // T2 waits for T1's read hold
  std::vector<Finding> f = Deadlocks(b.trace());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kActualDeadlock);
  EXPECT_NE(f[0].summary.find("queued behind thread"), std::string::npos) << f[0].summary;
  EXPECT_NE(f[0].story.find("must not read-lock it again"), std::string::npos) << f[0].story;
  EXPECT_FALSE(f[0].extra_stacks.empty());  // each thread's wait site and held-lock sites
}

TEST(WaitFindingsTest, RecursiveReadOnAReaderPreferringLockIsNoWaitForCycle) {
  // glibc's default grants the second read despite the queued writer: no edge T1 -> T2.
  SlotTraceBuilder b = RecursiveReadBehindWriter(/*prefer_writer=*/false);
  EXPECT_TRUE(BlockedCycles(b.trace()).empty());
  EXPECT_TRUE(Deadlocks(b.trace()).empty());
}

TEST(WaitFindingsTest, AbbaBlockedBothWaysIsOneDeadlock) {
  SlotTraceBuilder b;
  b.Joins(kMain, kT1, {}).WaitsLock(kT1, kB, {kA}).WaitsLock(kT2, kA, {kB});
  auto cycles = BlockedCycles(b.trace());
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(CycleTids(b.trace(), cycles[0]), (std::vector<uint32_t>{kT1, kT2}));
  EXPECT_EQ(cycles[0][0].lock_id, kB);
  EXPECT_EQ(cycles[0][1].lock_id, kA);

  std::vector<Finding> f = Deadlocks(b.trace());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kActualDeadlock);
  EXPECT_TRUE(f[0].hung);
  EXPECT_EQ(f[0].cycle_locks, 2);
  ASSERT_EQ(f[0].edges.size(), 2u);
  // Edge k: the thread holding lock k waits for lock k+1 (cycle order).
  EXPECT_EQ(f[0].edges[0].tid, kT2);
  EXPECT_EQ(f[0].locks[f[0].edges[0].from].lock_id, kB);
  EXPECT_EQ(f[0].locks[f[0].edges[0].to].lock_id, kA);
  EXPECT_EQ(f[0].threads.size(), 2u);
  EXPECT_NE(f[0].story.find("since +0.000 s"), std::string::npos) << f[0].story;
  EXPECT_EQ(f[0].story.find("watchdog"), std::string::npos);
}

TEST(WaitFindingsTest, HolderStillRunningIsNoDeadlock) {
  SlotTraceBuilder b;
  b.WaitsLock(kT1, kB, {kA}).Running(kT2, {kB});
  EXPECT_TRUE(BlockedCycles(b.trace()).empty());
  EXPECT_EQ(WaitForEdges(b.trace()).size(), 1u);
  EXPECT_TRUE(Deadlocks(b.trace()).empty());
}

TEST(WaitFindingsTest, ReadersDoNotBlockReaders) {
  SlotTraceBuilder b;
  // Both wait in shared mode for a lock the other holds shared: not a wait at all.
  b.WaitsLock(kT1, kB, {kA}, LockMode::kShared, LockMode::kShared)
      .WaitsLock(kT2, kA, {kB}, LockMode::kShared, LockMode::kShared);
  EXPECT_TRUE(WaitForEdges(b.trace()).empty());
  EXPECT_TRUE(Deadlocks(b.trace()).empty());
}

TEST(WaitFindingsTest, WriterWaitingForReaderCloses) {
  SlotTraceBuilder b;
  b.WaitsLock(kT1, kB, {kA}, LockMode::kExclusive, LockMode::kShared)
      .WaitsLock(kT2, kA, {kB}, LockMode::kExclusive, LockMode::kShared);
  EXPECT_EQ(BlockedCycles(b.trace()).size(), 1u);
}

TEST(WaitFindingsTest, SelfWaitIsLeftToTheMisuseDetector) {
  SlotTraceBuilder b;
  b.WaitsLock(kMain, kA, {kA});
  EXPECT_TRUE(WaitForEdges(b.trace()).empty());
  EXPECT_TRUE(Deadlocks(b.trace()).empty());
}

TEST(WaitFindingsTest, ExitedHolderIsNotAWaitForEdge) {
  SlotTraceBuilder b;
  b.WaitsLock(kT1, kA, {}).Exited(kT2, {kA});
  EXPECT_TRUE(WaitForEdges(b.trace()).empty());
}

TEST(WaitFindingsTest, JoinHoldingTheLockTheJoinedThreadNeeds) {
  for (bool by_pthread : {false, true}) {
    SlotTraceBuilder b;
    b.Joins(kMain, kT1, {kA}, by_pthread).WaitsLock(kT1, kA, {});
    auto cycles = BlockedCycles(b.trace());
    ASSERT_EQ(cycles.size(), 1u) << by_pthread;
    std::vector<Finding> f = Deadlocks(b.trace());
    ASSERT_EQ(f.size(), 1u);
    EXPECT_TRUE(f[0].edges.empty());  // not a pure lock cycle: per-thread stacks instead
    EXPECT_EQ(f[0].extra_stacks.size(), 3u);  // two wait sites + the held lock
    EXPECT_NE(f[0].summary.find("joining thread"), std::string::npos) << f[0].summary;
    EXPECT_NE(f[0].story.find("Do not join a thread while holding a lock"), std::string::npos);
  }
}

TEST(WaitFindingsTest, JoinOfARunningThreadIsNoDeadlock) {
  SlotTraceBuilder b;
  b.Joins(kMain, kT1, {kA}).Running(kT1, {});
  EXPECT_EQ(WaitForEdges(b.trace()).size(), 1u);
  EXPECT_TRUE(BlockedCycles(b.trace()).empty());
}

TEST(WaitFindingsTest, ThreeThreadCycleWithABystander) {
  SlotTraceBuilder b;
  b.WaitsLock(kT1, kB, {kA}).WaitsLock(kT2, kC, {kB}).WaitsLock(kT3, kA, {kC}).Joins(kMain, kT1, {});
  auto cycles = BlockedCycles(b.trace());
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0].size(), 3u);
  for (size_t i = 0; i < cycles[0].size(); ++i) {
    EXPECT_EQ(cycles[0][i].to, cycles[0][(i + 1) % cycles[0].size()].from);
  }
  std::vector<Finding> f = Deadlocks(b.trace());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].threads.size(), 3u);  // main joins into the cycle but is not part of it
}

TEST(WaitFindingsTest, WatchdogConfirmationIsMentioned) {
  SlotTraceBuilder b;
  b.WaitsLock(kT1, kB, {kA}).WaitsLock(kT2, kA, {kB});
  b.Watchdog(tf::WatchdogVerdict::kCycle, {kT2, kT1});
  std::vector<Finding> f = Deadlocks(b.trace());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].story.find("watchdog saw this while the process ran (at +0.002 s)"),
            std::string::npos)
      << f[0].story;
}

TEST(WaitFindingsTest, AnalyzeReportsTheDeadlock) {
  SlotTraceBuilder b;
  b.WaitsLock(kT1, kB, {kA}).WaitsLock(kT2, kA, {kB});
  AnalyzeOptions options;
  options.symbolize = false;
  Report r = Analyze({b.trace()}, options);
  int deadlocks = 0;
  for (const Finding& f : r.findings) deadlocks += f.kind == FindingKind::kActualDeadlock;
  EXPECT_EQ(deadlocks, 1);
  EXPECT_STREQ(FindingKindName(FindingKind::kActualDeadlock), "actual-deadlock");
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope

namespace lockscope {
namespace analysis {
namespace {

SlotSnapshot& CondWaiter(Trace* t, uint32_t tid, uint32_t mutex, uint8_t flags = 0) {
  t->threads[tid].tid = tid;
  t->threads[tid].started = true;
  SlotSnapshot s;
  s.tid = tid;
  s.state = tf::ThreadState::kBlocked;
  s.wait_kind = tf::WaitKind::kCond;
  s.wait_object = 0xc0;
  s.wait_lock_id = mutex;
  s.wait_flags = flags;
  s.wait_stack_id = 40 + tid;
  t->slots.push_back(s);
  return t->slots.back();
}

std::vector<Finding> CommDeadlocks(const Trace& trace) {
  Symbolizer symbolizer({}, SymbolizerOptions{"", {}, false});
  FindingContext ctx(trace, &symbolizer);
  std::vector<Finding> out;
  AddCommDeadlockFindings(ctx, &out);
  return out;
}

TEST(CommDeadlockTest, SenderWithoutReceiverAndItsJoiner) {
  SlotTraceBuilder b;
  b.Joins(kMain, kT1, {});
  Trace t = b.trace();
  CondWaiter(&t, kT1, kA);
  std::vector<Finding> f = CommDeadlocks(t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kCommDeadlock);
  EXPECT_EQ(f[0].subkind, "all-threads-asleep");
  EXPECT_TRUE(f[0].hung);
  EXPECT_EQ(f[0].threads.size(), 2u);
  EXPECT_EQ(f[0].extra_stacks.size(), 2u);
  EXPECT_NE(f[0].story.find("joining thread"), std::string::npos) << f[0].story;
  EXPECT_NE(f[0].story.find("waiting on condition variable 0xc0"), std::string::npos);
  EXPECT_STREQ(FindingKindName(FindingKind::kCommDeadlock), "comm-deadlock");
}

TEST(CommDeadlockTest, AWaiterSignalledAfterItBeganWaitingMayBeAwake) {
  SlotTraceBuilder b;
  b.Joins(kMain, kT1, {});
  Trace t = b.trace();
  CondWaiter(&t, kT1, kA).wait_wake_epoch = 6;
  t.wake_epoch = 7;  // a signal came after T1's wait began: it may be runnable already
  EXPECT_TRUE(CommDeadlocks(t).empty());
  t.wake_epoch = 6;
  EXPECT_EQ(CommDeadlocks(t).size(), 1u);
}

TEST(CommDeadlockTest, WithTheWakeTableOnlyWakeupsOfItsOwnCondvarCount) {
  SlotTraceBuilder b;
  b.Joins(kMain, kT1, {});
  Trace t = b.trace();
  SlotSnapshot& w = CondWaiter(&t, kT1, kA);
  w.wait_wake_epoch = 6;
  w.wait_object_epoch = 2;
  t.wake_epoch = 9;  // other condvars were signalled since: the global count moved
  t.wake_table.assign(tf::kWakeBuckets, 0);
  t.wake_table[tf::WakeBucket(w.wait_object)] = 2;
  EXPECT_TRUE(NoWakeupSince(t, t.slots.back()));
  EXPECT_EQ(CommDeadlocks(t).size(), 1u);
  t.wake_table[tf::WakeBucket(w.wait_object)] = 3;  // its own condvar was signalled
  EXPECT_TRUE(CommDeadlocks(t).empty());
}

std::vector<Finding> CommDeadlocks(const Trace& trace, std::vector<SuppressedCandidate>* sup) {
  Symbolizer symbolizer({}, SymbolizerOptions{"", {}, false});
  FindingContext ctx(trace, &symbolizer);
  std::vector<Finding> out;
  AddCommDeadlockFindings(ctx, &out, sup);
  return out;
}

// The lost signal sample: main signalled before T1 waited (no waiter then), T1 waits with no
// predicate, main joins T1. Every thread is asleep: a lost-wakeup explains it.
TEST(LostWakeupTest, SignalBeforeTheWaitFromAnotherThreadIsALostWakeup) {
  SlotTraceBuilder b;
  b.Joins(kMain, kT1, {});
  Trace t = b.trace();
  SlotSnapshot& w = CondWaiter(&t, kT1, kA);
  w.wait_since_ns = 9000;
  w.lost_signal_tid = kMain;
  w.lost_signal_stack_id = 77;
  w.lost_signal_ns = 8000;
  std::vector<SuppressedCandidate> sup;
  std::vector<Finding> f = CommDeadlocks(t, &sup);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kLostWakeup);
  EXPECT_EQ(f[0].severity, "error");
  EXPECT_TRUE(f[0].hung);
  ASSERT_EQ(f[0].threads.size(), 2u);
  EXPECT_EQ(f[0].threads[0].tid, kT1);
  EXPECT_EQ(f[0].threads[1].tid, kMain);
  ASSERT_EQ(f[0].extra_stacks.size(), 2u);
  EXPECT_NE(f[0].extra_stack_titles[1].find("when no thread waited"), std::string::npos);
  EXPECT_NE(f[0].story.find("0.001 ms later thread T1 began to wait"), std::string::npos)
      << f[0].story;
  ASSERT_EQ(sup.size(), 1u);
  EXPECT_EQ(sup[0].kind, FindingKind::kCommDeadlock);
  EXPECT_EQ(sup[0].reason_id, "lost-wakeup");
  EXPECT_STREQ(FindingKindName(FindingKind::kLostWakeup), "lost-wakeup");
}

TEST(LostWakeupTest, OwnSignalLaterSignalsOrAwakeThreadsAreNoLostWakeup) {
  auto make = [](uint32_t signaller, uint64_t signal_ns) {
    SlotTraceBuilder b;
    b.Joins(kMain, kT1, {});
    Trace t = b.trace();
    SlotSnapshot& w = CondWaiter(&t, kT1, kA);
    w.wait_since_ns = 9000;
    w.lost_signal_tid = signaller;
    w.lost_signal_ns = signal_ns;
    return t;
  };
  // The waiter's own signal before it waits (a channel's Send broadcasts, then waits for the
  // receiver): never meant for itself; the hang stays a comm-deadlock.
  std::vector<Finding> own = CommDeadlocks(make(kT1, 8000));
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].kind, FindingKind::kCommDeadlock);
  // No lost signal recorded: comm-deadlock.
  EXPECT_EQ(CommDeadlocks(make(0, 0)).at(0).kind, FindingKind::kCommDeadlock);
  // A torn slot (the "lost" signal after the wait began) is not evidence.
  EXPECT_EQ(CommDeadlocks(make(kMain, 9500)).at(0).kind, FindingKind::kCommDeadlock);
  // The condvar was signalled after the wait began: T1 may be awake, nothing is reported.
  Trace woken = make(kMain, 8000);
  woken.wake_epoch = 1;
  EXPECT_TRUE(CommDeadlocks(woken).empty());
  // Another thread still runs: it may signal later, nothing is reported.
  SlotTraceBuilder b;
  b.Running(kMain, {});
  Trace running = b.trace();
  SlotSnapshot& w = CondWaiter(&running, kT1, kA);
  w.lost_signal_tid = kMain;
  w.wait_since_ns = 9000;
  w.lost_signal_ns = 8000;
  EXPECT_TRUE(CommDeadlocks(running).empty());
}

TEST(CommDeadlockTest, ARunningThreadMayStillSignal) {
  SlotTraceBuilder b;
  b.Running(kMain, {});
  Trace t = b.trace();
  CondWaiter(&t, kT1, kA);
  EXPECT_TRUE(CommDeadlocks(t).empty());
}

TEST(CommDeadlockTest, TimedOrProcessSharedWaitsAreNotForGood) {
  for (uint8_t flags : {uint8_t{tf::kWaitTimed}, uint8_t{tf::kWaitShared}}) {
    SlotTraceBuilder b;
    b.Joins(kMain, kT1, {});
    Trace t = b.trace();
    CondWaiter(&t, kT1, kA, flags);
    EXPECT_TRUE(CommDeadlocks(t).empty()) << int{flags};
  }
}

TEST(CommDeadlockTest, SemaphoreWaitsMayBePostedByASignalHandler) {
  SlotTraceBuilder b;
  b.Joins(kMain, kT1, {});
  Trace t = b.trace();
  CondWaiter(&t, kT1, 0).wait_kind = tf::WaitKind::kSem;
  EXPECT_TRUE(CommDeadlocks(t).empty());
}

TEST(CommDeadlockTest, CleanExitOrAThreadWithoutASlotSaysNothing) {
  SlotTraceBuilder b;
  b.Joins(kMain, kT1, {});
  Trace t = b.trace();
  CondWaiter(&t, kT1, kA);
  Trace clean = t;
  clean.stats.clean_exit = true;
  EXPECT_TRUE(CommDeadlocks(clean).empty());
  Trace unslotted = t;
  unslotted.threads[kT2].tid = kT2;
  unslotted.threads[kT2].started = true;  // alive, no slot: it might be the one to signal
  EXPECT_TRUE(CommDeadlocks(unslotted).empty());
}

TEST(CommDeadlockTest, PureLockCycleIsLeftToActualDeadlock) {
  SlotTraceBuilder b;
  b.WaitsLock(kT1, kB, {kA}).WaitsLock(kT2, kA, {kB});
  EXPECT_TRUE(CommDeadlocks(b.trace()).empty());
  EXPECT_EQ(Deadlocks(b.trace()).size(), 1u);
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
