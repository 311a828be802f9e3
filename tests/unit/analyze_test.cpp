// analyze_test.cpp — Analyze() on hand-built Trace objects (no files, no symbolization).

#include "analyze.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cycle_feasibility.h"
#include "happens_before.h"
#include "lock_graph.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

constexpr uint32_t kMain = 100;
constexpr uint32_t kA = 1, kB = 2, kC = 3, kG = 9;

class TraceBuilder {
 public:
  TraceBuilder() {
    t_.pid = kMain;
    t_.path = "hand.lstrace";
    Thread(kMain, 0, 0);
    for (uint32_t id : {kA, kB, kC, kG}) {
      LockInfo l;
      l.id = id;
      l.address = 0x1000 * id;
      l.kind = LockKind::kMutex;
      t_.locks[id] = l;
    }
  }
  // A thread created by `parent` at the parent's epoch `parent_epoch`.
  TraceBuilder& Thread(uint32_t tid, uint32_t parent, uint32_t parent_epoch) {
    ThreadInfo& info = t_.threads[tid];
    info.tid = tid;
    info.parent_tid = parent;
    info.parent_epoch = parent_epoch;
    info.started = true;
    info.start_seq = ++seq_;
    return *this;
  }
  // `tid` acquires `lock` while holding `held` (outermost first).
  TraceBuilder& Lock(uint32_t tid, uint32_t lock, std::vector<uint32_t> held, uint32_t epoch = 0,
                     uint8_t flags = 0, LockMode held_mode = LockMode::kExclusive) {
    AcquireEvent a;
    a.tid = tid;
    a.seq = ++seq_;
    a.lock_id = lock;
    a.stack_id = 10 + lock;
    a.epoch = epoch;
    a.flags = flags;
    for (uint32_t h : held) a.held.push_back({h, 10 + h, held_mode, 1});
    t_.acquires.push_back(a);
    return *this;
  }
  TraceBuilder& Join(uint32_t joiner, uint32_t joined, uint32_t epoch_after) {
    JoinEvent j;
    j.joiner_tid = joiner;
    j.joined_tid = joined;
    j.seq = ++seq_;
    j.epoch_after = epoch_after;
    t_.joins.push_back(j);
    return *this;
  }
  Trace& trace() { return t_; }

 private:
  Trace t_;
  uint64_t seq_ = 0;
};

Report AnalyzeOne(const Trace& t) {
  AnalyzeOptions options;
  options.symbolize = false;
  return Analyze({t}, options);
}

std::vector<const Finding*> Cycles(const Report& r) {
  std::vector<const Finding*> out;
  for (const Finding& f : r.findings) {
    if (f.kind == FindingKind::kLockOrderCycle) out.push_back(&f);
  }
  return out;
}

TEST(AnalyzeTest, AbbaAcrossTwoThreadsIsOneFinding) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB});
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 1u);
  const Finding& f = *cycles[0];
  EXPECT_EQ(f.severity, "error");
  EXPECT_EQ(f.cycle_locks, 2);
  ASSERT_GE(f.locks.size(), 2u);
  EXPECT_EQ(f.locks[0].lock_id, kA);
  EXPECT_EQ(f.locks[1].lock_id, kB);
  EXPECT_EQ(f.locks[0].kind, "mutex");
  EXPECT_FALSE(f.locks[0].name_from_symbol);
  EXPECT_NE(f.summary.find("between 2 locks"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("mutex 0x1000 => mutex 0x2000 => mutex 0x1000"), std::string::npos)
      << f.summary;
  ASSERT_EQ(f.edges.size(), 2u);
  EXPECT_EQ(f.edges[0].from, 0);
  EXPECT_EQ(f.edges[0].to, 1);
  EXPECT_EQ(f.edges[0].tid, 201u);
  EXPECT_EQ(f.edges[1].from, 1);
  EXPECT_EQ(f.edges[1].to, 0);
  EXPECT_EQ(f.edges[1].tid, 202u);
  EXPECT_EQ(f.edges[0].from_mode, "exclusive");
  ASSERT_EQ(f.threads.size(), 2u);
  EXPECT_EQ(f.threads[0].name, "T1");  // main is T0, threads numbered in start order
  EXPECT_EQ(f.threads[1].name, "T2");
  EXPECT_EQ(f.threads[0].parent_tid, kMain);
  ASSERT_EQ(f.scenario.size(), 4u);
  EXPECT_EQ(f.scenario[0].tid, 201u);
  EXPECT_EQ(f.scenario[0].action, "lock(mutex 0x1000)");
  EXPECT_EQ(f.scenario[1].action, "lock(mutex 0x2000)");
  EXPECT_EQ(f.scenario[2].action, "lock(mutex 0x2000) <- waits");
  EXPECT_EQ(f.scenario[3].tid, 202u);
  EXPECT_EQ(f.scenario[3].action, "lock(mutex 0x1000) <- deadlock");
  EXPECT_FALSE(f.story.empty());
  EXPECT_FALSE(f.hung);
  EXPECT_TRUE(r.suppressed.empty());
  ASSERT_EQ(r.traces.size(), 1u);
  EXPECT_EQ(r.traces[0].threads, 3u);
  EXPECT_EQ(r.traces[0].path, "hand.lstrace");
}

TEST(AnalyzeTest, GraphViewHasEveryEdgeWithThreadsCountsAndLockWaits) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB}).Lock(202, kC, {kA}).Lock(201, kC, {kA});
  b.trace().contention[kC].wait_total_ns = 7000;
  AnalyzeOptions options;
  options.symbolize = false;
  EXPECT_TRUE(Analyze({b.trace()}, options).graph.edges.empty());  // only when asked for
  options.graph_view = true;
  Report r = Analyze({b.trace()}, options);
  const LockGraphView& g = r.graph;
  ASSERT_EQ(g.edges.size(), 3u);  // A->B, A->C, B->A
  ASSERT_EQ(g.locks.size(), 3u);
  ASSERT_EQ(g.wait_ns.size(), 3u);
  auto lock_of = [&](int i) { return g.locks[static_cast<size_t>(i)].lock_id; };
  bool a_to_c = false;
  for (const LockGraphEdge& e : g.edges) {
    if (lock_of(e.from) != kA || lock_of(e.to) != kC) continue;
    a_to_c = true;
    EXPECT_EQ(e.tids, (std::vector<uint32_t>{201, 202}));
    EXPECT_EQ(e.count, 2u);
    EXPECT_EQ(e.from_mode, "exclusive");
    EXPECT_EQ(g.wait_ns[static_cast<size_t>(e.to)], 7000u);
    EXPECT_EQ(g.wait_ns[static_cast<size_t>(e.from)], 0u);
  }
  EXPECT_TRUE(a_to_c);
  EXPECT_EQ(g.threads.size(), 2u);
  EXPECT_EQ(g.omitted_edges, 0u);
}

TEST(AnalyzeTest, PthreadNameIsAppendedToThreadLabel) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.trace().threads[202].name = "worker";
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB});
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0]->threads[1].name, "T2 (worker)");
}

TEST(AnalyzeTest, SiblingsAreNumberedInCreationOrderNotStartOrder) {
  TraceBuilder b;
  // 201 was created second (parent epoch 1) but happened to start first.
  b.Thread(201, kMain, 1).Thread(202, kMain, 0);
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB});
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0]->edges[0].tid, 201u);
  EXPECT_EQ(cycles[0]->threads[0].name, "T2");
  EXPECT_EQ(cycles[0]->threads[1].name, "T1");
}

TEST(AnalyzeTest, InversionInOneThreadIsSuppressedSingleThread) {
  TraceBuilder b;
  b.Thread(201, kMain, 0);
  b.Lock(201, kB, {kA}).Lock(201, kA, {kB});
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "single-thread");
  EXPECT_NE(r.suppressed[0].reason.find("T1"), std::string::npos) << r.suppressed[0].reason;
  EXPECT_EQ(r.suppressed[0].locks.size(), 2u);
}

TEST(AnalyzeTest, GateLockHeldAroundBothIsSuppressed) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, kB, {kG, kA}).Lock(202, kA, {kG, kB});
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "gate-lock");
  EXPECT_NE(r.suppressed[0].reason.find("mutex 0x9000"), std::string::npos)
      << r.suppressed[0].reason;
}

TEST(AnalyzeTest, DifferentGatesPerPairingAreStillGates) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1).Thread(203, kMain, 2);
  // A->B by T1 under G and by T3 under C; B->A by T2 under both G and C. Every pairing shares a
  // gate, though no single lock is held by all three witnesses.
  b.Lock(201, kB, {kG, kA}).Lock(203, kB, {kC, kA}).Lock(202, kA, {kG, kC, kB});
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "gate-lock");
}

TEST(AnalyzeTest, SearchPicksTheWitnessFromAnotherThread) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  // T1 takes both orders; T2 takes A->B only. The feasible pairing is T2's A->B with T1's B->A.
  b.Lock(201, kB, {kA}).Lock(201, kA, {kB}).Lock(202, kB, {kA});
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0]->edges[0].tid, 202u);
  EXPECT_EQ(cycles[0]->edges[1].tid, 201u);
  EXPECT_EQ(cycles[0]->edges[0].count, 2u);  // both A->B records support the edge
}

TEST(AnalyzeTest, ThreeCycleWhereOneThreadHoldsAnotherEdgesLockIsSuppressed) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1).Thread(203, kMain, 2);
  // A->B by T1; B->C by T2 while also holding A; C->A by T3. T1 and T2 cannot both hold A.
  b.Lock(201, kB, {kA}).Lock(202, kC, {kA, kB}).Lock(203, kA, {kC});
  Report r = AnalyzeOne(b.trace());
  for (const Finding* f : Cycles(r)) EXPECT_NE(f->cycle_locks, 3) << f->summary;
  bool suppressed_three = false;
  for (const SuppressedCandidate& s : r.suppressed) {
    if (s.locks.size() == 3) {
      suppressed_three = true;
      EXPECT_EQ(s.reason_id, "gate-lock");
      EXPECT_NE(s.reason.find("two of the threads would have to hold mutex 0x1000"),
                std::string::npos)
          << s.reason;
    }
  }
  EXPECT_TRUE(suppressed_three);
}

TEST(AnalyzeTest, GateHeldSharedByBothDoesNotSerialize) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  // Both threads hold G in shared mode: two readers do not exclude each other.
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB});
  for (AcquireEvent& a : b.trace().acquires) {
    a.held.insert(a.held.begin(), HeldLock{kG, 19, LockMode::kShared, 1});
  }
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 1u);
  // The shared G shows up as "also held" evidence, appended after the cycle locks.
  ASSERT_EQ(cycles[0]->edges[0].also_held.size(), 1u);
  EXPECT_EQ(cycles[0]->locks[cycles[0]->edges[0].also_held[0]].lock_id, kG);
}

// Sets the requested and the held mode of every acquire of `tid`.
void SetModes(Trace* t, uint32_t tid, LockMode request, LockMode held) {
  for (AcquireEvent& a : t->acquires) {
    if (a.tid != tid) continue;
    a.mode = request;
    for (HeldLock& h : a.held) h.mode = held;
  }
}

constexpr LockMode kSh = LockMode::kShared;
constexpr LockMode kEx = LockMode::kExclusive;

TEST(AnalyzeTest, ReadersOnlyCycleIsSuppressedSharedLocks) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB});
  SetModes(&b.trace(), 201, kSh, kSh);
  SetModes(&b.trace(), 202, kSh, kSh);
  for (uint32_t id : {kA, kB}) b.trace().locks[id].kind = LockKind::kRwLock;
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "shared-locks");
  // A writer-preferring rwlock lets a queued writer block the reader: the cycle is possible.
  for (uint32_t id : {kA, kB}) b.trace().locks[id].attrs = tf::kAttrPreferWriter;
  Report writer = AnalyzeOne(b.trace());
  auto cycles = Cycles(writer);
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0]->scenario[0].action, "rlock(rwlock 0x1000)");
}

TEST(AnalyzeTest, OneExclusiveSideIsNotEnoughWhenTheOtherWaitsAsReader) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  // T1: rdlock(A); wrlock(B).  T2: rdlock(B); rdlock(A) -> T2 shares A with T1: no deadlock.
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB});
  SetModes(&b.trace(), 201, kEx, kSh);
  SetModes(&b.trace(), 202, kSh, kSh);
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "shared-locks");
  // T1 takes A exclusively instead: T2's rdlock(A) waits for it, and T1's wrlock(B) for T2.
  SetModes(&b.trace(), 201, kEx, kEx);
  Report exclusive = AnalyzeOne(b.trace());
  EXPECT_EQ(Cycles(exclusive).size(), 1u);
}

TEST(AnalyzeTest, TrylockEdgeIsSuppressed) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB}, 0, tf::kAcqTry);
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "try-lock");
  EXPECT_NE(r.suppressed[0].reason.find("try-locked"), std::string::npos);
}

TEST(AnalyzeTest, FailedTrylockMakesNoEdgeAtAll) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB}, 0, tf::kAcqTry | tf::kAcqFailed);
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.suppressed.empty());
}

TEST(AnalyzeTest, InversionOrderedByCreateIsSuppressedHappensBefore) {
  TraceBuilder b;
  // main locks A then B at epoch 0, then creates T1 (parent_epoch 0), which locks B then A.
  b.Lock(kMain, kB, {kA}, 0);
  b.Thread(201, kMain, 0);
  b.Lock(201, kA, {kB}, 0);
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "happens-before");
  EXPECT_NE(r.suppressed[0].reason.find("T0"), std::string::npos) << r.suppressed[0].reason;
}

TEST(AnalyzeTest, InversionOrderedByJoinIsSuppressedHappensBefore) {
  TraceBuilder b;
  // main creates T1 (epoch 0 -> 1), T1 locks B then A, main joins it (epoch -> 2), then A then B.
  b.Thread(201, kMain, 0);
  b.Lock(201, kA, {kB}, 0);
  b.Join(kMain, 201, 2);
  b.Lock(kMain, kB, {kA}, 2);
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "happens-before");
}

TEST(AnalyzeTest, InversionBetweenCreateAndJoinIsReported) {
  TraceBuilder b;
  // Same as above, but main's A-then-B runs at epoch 1: after the create, before the join.
  b.Thread(201, kMain, 0);
  b.Lock(201, kA, {kB}, 0);
  b.Lock(kMain, kB, {kA}, 1);
  b.Join(kMain, 201, 2);
  Report r = AnalyzeOne(b.trace());
  ASSERT_EQ(Cycles(r).size(), 1u);
  const Finding& f = *Cycles(r)[0];
  ASSERT_EQ(f.threads.size(), 2u);
  EXPECT_EQ(f.threads[0].name, "T0");  // edge A -> B comes first, and main took it
  EXPECT_EQ(f.threads[1].name, "T1");
}

TEST(AnalyzeTest, HappensBeforeIsTransitive) {
  TraceBuilder b;
  // main locks A->B, creates T1, which creates T2; T2 locks B->A. Ordered through T1.
  b.Lock(kMain, kB, {kA}, 0);
  b.Thread(201, kMain, 0);
  b.Thread(202, 201, 0);
  b.Lock(202, kA, {kB}, 0);
  Report r = AnalyzeOne(b.trace());
  EXPECT_TRUE(Cycles(r).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "happens-before");
}

TEST(AnalyzeTest, ThreeLockCycle) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1).Thread(203, kMain, 2);
  b.Lock(201, kB, {kA}).Lock(202, kC, {kB}).Lock(203, kA, {kC});
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 1u);
  const Finding& f = *cycles[0];
  EXPECT_EQ(f.cycle_locks, 3);
  ASSERT_EQ(f.edges.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(f.edges[i].from, static_cast<int>(i));
    EXPECT_EQ(f.edges[i].to, static_cast<int>((i + 1) % 3));
    EXPECT_EQ(f.locks[i].lock_id, static_cast<uint32_t>(kA + i));
  }
  EXPECT_EQ(f.threads.size(), 3u);
  EXPECT_EQ(f.scenario.size(), 6u);
  EXPECT_NE(f.summary.find("between 3 locks"), std::string::npos);
}

TEST(AnalyzeTest, ShortestCycleFirstAndOneFindingPerLockSet) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1).Thread(203, kMain, 2);
  // 3-cycle A->B->C->A, and a 2-cycle B<->C.
  b.Lock(201, kB, {kA}).Lock(202, kC, {kB}).Lock(203, kA, {kC}).Lock(203, kB, {kC});
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 2u);
  EXPECT_EQ(cycles[0]->cycle_locks, 2);
  EXPECT_EQ(cycles[1]->cycle_locks, 3);
}

TEST(AnalyzeTest, NoSuppressedCandidateForALockSetThatWasReported) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1).Thread(203, kMain, 2);
  // A->B->C->A by one thread (single-thread, examined first) and A->C->B->A by three threads
  // (feasible): the same lock set ends up reported, so it is not also listed as suppressed.
  b.Lock(201, kB, {kA}).Lock(201, kC, {kB}).Lock(201, kA, {kC});
  b.Lock(201, kC, {kA}).Lock(202, kB, {kC}).Lock(203, kA, {kB});
  Report r = AnalyzeOne(b.trace());
  size_t three = 0;
  for (const Finding* f : Cycles(r)) three += f->cycle_locks == 3;
  EXPECT_EQ(three, 1u);
  for (const SuppressedCandidate& s : r.suppressed) EXPECT_NE(s.locks.size(), 3u) << s.reason;
}

TEST(AnalyzeTest, HungCycleIsMarked) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB});
  for (auto [tid, holds, waits] : {std::tuple{201u, kA, kB}, std::tuple{202u, kB, kA}}) {
    SlotSnapshot s;
    s.tid = tid;
    s.state = tf::ThreadState::kBlocked;
    s.wait_kind = tf::WaitKind::kLock;
    s.wait_lock_id = waits;
    s.held.push_back({holds, 0, LockMode::kExclusive, 1});
    b.trace().slots.push_back(s);
  }
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_TRUE(cycles[0]->hung);
}

MisuseEvent Misuse(uint32_t tid, tf::MisuseKind kind, uint32_t lock, uint64_t seq) {
  MisuseEvent m;
  m.tid = tid;
  m.kind = kind;
  m.lock_id = lock;
  m.object = 0x1000 * lock;
  m.stack_id = 50;
  m.seq = seq;
  return m;
}

TEST(AnalyzeTest, MisuseRecordsBecomeApiMisuseFindings) {
  TraceBuilder b;
  b.trace().stacks[50] = {0x401000, 0x402000};
  b.trace().misuses = {Misuse(kMain, tf::MisuseKind::kUnlockNotHeld, kA, 1),
                       Misuse(kMain, tf::MisuseKind::kUnlockNotHeld, kA, 2),  // same site: once
                       Misuse(kMain, tf::MisuseKind::kExitHoldingLock, kB, 3)};
  Report r = AnalyzeOne(b.trace());
  ASSERT_EQ(r.findings.size(), 2u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kApiMisuse);
  EXPECT_EQ(f.subkind, "unlock-not-held");
  EXPECT_EQ(f.severity, "error");
  ASSERT_EQ(f.extra_stacks.size(), 1u);
  ASSERT_EQ(f.extra_stacks[0].size(), 2u);
  EXPECT_EQ(f.extra_stacks[0][0].pc, 0x401000u);
  ASSERT_EQ(f.locks.size(), 1u);
  EXPECT_EQ(f.locks[0].lock_id, kA);
  EXPECT_EQ(f.threads[0].name, "T0");
  EXPECT_FALSE(f.hung);
  EXPECT_EQ(r.findings[1].subkind, "exit-holding-lock");
  EXPECT_EQ(r.findings[1].severity, "warning");
}

TEST(AnalyzeTest, RelockThatHungIsMarked) {
  TraceBuilder b;
  b.trace().misuses = {Misuse(kMain, tf::MisuseKind::kRelockNonRecursive, kA, 1)};
  SlotSnapshot s;
  s.tid = kMain;
  s.state = tf::ThreadState::kBlocked;
  s.wait_kind = tf::WaitKind::kLock;
  s.wait_lock_id = kA;
  s.held.push_back({kA, 0, LockMode::kExclusive, 1});
  b.trace().slots.push_back(s);
  Report r = AnalyzeOne(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].subkind, "relock-non-recursive");
  EXPECT_TRUE(r.findings[0].hung);
  // Without the Misuse record the slot alone still yields the (hung) relock finding.
  b.trace().misuses.clear();
  Report slot_only = AnalyzeOne(b.trace());
  ASSERT_EQ(slot_only.findings.size(), 1u);
  EXPECT_EQ(slot_only.findings[0].subkind, "relock-non-recursive");
  EXPECT_TRUE(slot_only.findings[0].hung);
}

TEST(AnalyzeTest, RelockAfterForeignUnlockIsSuppressed) {
  TraceBuilder b;
  b.Thread(201, kMain, 0);
  MisuseEvent foreign = Misuse(201, tf::MisuseKind::kUnlockNotOwner, kA, 1);
  foreign.other_tid = kMain;
  b.trace().misuses = {foreign, Misuse(kMain, tf::MisuseKind::kRelockNonRecursive, kA, 2)};
  Report r = AnalyzeOne(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].subkind, "unlock-not-owner");
  EXPECT_EQ(r.findings[0].threads.size(), 2u);
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].kind, FindingKind::kApiMisuse);
  EXPECT_EQ(r.suppressed[0].reason_id, "after-foreign-unlock");
}

TEST(AnalyzeTest, CondWithTwoMutexesNamesBoth) {
  TraceBuilder b;
  MisuseEvent m = Misuse(kMain, tf::MisuseKind::kCondTwoMutexes, kA, 1);
  m.object = 0x7000;
  m.other_id = kB;
  b.trace().misuses = {m};
  Report r = AnalyzeOne(b.trace());
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.subkind, "cond-two-mutexes");
  ASSERT_EQ(f.locks.size(), 3u);
  EXPECT_EQ(f.locks[0].kind, "condvar");
  EXPECT_EQ(f.locks[0].address, 0x7000u);
  EXPECT_NE(f.story.find("with mutex 0x2000, but earlier waits used mutex 0x1000"),
            std::string::npos)
      << f.story;
}

TEST(AnalyzeTest, DanglingIdsDoNotCrash) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, 77, {66}).Lock(202, 66, {77});  // locks never defined
  b.trace().misuses = {Misuse(999, tf::MisuseKind::kUnlockNotOwner, 55, 1)};
  Report r = AnalyzeOne(b.trace());
  auto cycles = Cycles(r);
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0]->locks[0].kind, "unknown");
  EXPECT_EQ(r.findings.size(), 2u);
}

TEST(HappensBeforeTest, CreateAndJoinEdges) {
  TraceBuilder b;
  b.Thread(201, kMain, 0);  // main epoch 0 -> create -> 1
  b.Join(kMain, 201, 2);    // main epoch 1 -> join -> 2
  HappensBeforeGraph hb(b.trace());
  EXPECT_TRUE(hb.HappensBefore(kMain, 0, 201, 0));   // before the create
  EXPECT_FALSE(hb.HappensBefore(kMain, 1, 201, 0));  // after the create: concurrent
  EXPECT_FALSE(hb.Ordered(kMain, 1, 201, 5));
  EXPECT_TRUE(hb.HappensBefore(201, 7, kMain, 2));  // everything in 201 before the join
  EXPECT_FALSE(hb.HappensBefore(201, 7, kMain, 1));
  EXPECT_FALSE(hb.HappensBefore(kMain, 0, kMain, 1));  // same thread: not answered here
  EXPECT_FALSE(hb.HappensBefore(999, 0, kMain, 2));    // unknown thread
}

TEST(CycleFeasibilityTest, ZeroBudgetExaminesNothingAndSaysSo) {
  TraceBuilder b;
  b.Thread(201, kMain, 0).Thread(202, kMain, 1);
  b.Lock(201, kB, {kA}).Lock(202, kA, {kB});
  LockGraph graph(b.trace());
  HappensBeforeGraph hb(b.trace());
  Feasibility none = CheckCycleFeasibility(graph, CycleContext{{kA, kB}, hb, {}}, 0);
  EXPECT_FALSE(none.feasible);
  EXPECT_EQ(none.reason_id, "budget");
  EXPECT_TRUE(none.capped);
  Feasibility one = CheckCycleFeasibility(graph, CycleContext{{kA, kB}, hb, {}}, 1);
  EXPECT_TRUE(one.feasible);
  EXPECT_EQ(one.assignments, 1u);
  ASSERT_EQ(one.witnesses.size(), 2u);
  EXPECT_EQ(one.witnesses[0]->tid, 201u);
  Feasibility missing = CheckCycleFeasibility(graph, CycleContext{{kA, kC}, hb, {}});
  EXPECT_EQ(missing.reason_id, "missing-edge");
}

// Random traces, including dangling ids, self-joins and torn slots: Analyze() must not crash and
// every cycle finding must be well formed.
TEST(AnalyzeTest, RandomTracesGiveWellFormedFindings) {
  std::mt19937 rng(4242);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  size_t cycles_seen = 0;
  for (int round = 0; round < 200; ++round) {
    TraceBuilder b;
    uint32_t threads = 1 + pick(5);
    for (uint32_t t = 1; t <= threads; ++t)
      b.Thread(200 + t, pick(2) ? kMain : 200 + pick(t), pick(4));
    for (int i = 0, n = static_cast<int>(pick(20)); i < n; ++i) {
      std::vector<uint32_t> held;
      for (uint32_t k = 0, m = pick(3); k < m; ++k) held.push_back(1 + pick(7));
      b.Lock(200 + pick(threads + 1), 1 + pick(7), held, pick(4),
             static_cast<uint8_t>(pick(8) == 0 ? pick(32) : 0));
    }
    for (int i = 0, n = static_cast<int>(pick(3)); i < n; ++i) {
      b.Join(200 + pick(threads + 1), 200 + pick(threads + 1), pick(5));
    }
    for (int i = 0, n = static_cast<int>(pick(3)); i < n; ++i) {
      b.trace().misuses.push_back(
          Misuse(200 + pick(threads + 1), static_cast<tf::MisuseKind>(1 + pick(6)), pick(8), i));
    }
    Report r = AnalyzeOne(b.trace());
    for (const Finding& f : r.findings) {
      if (f.kind != FindingKind::kLockOrderCycle) continue;
      ++cycles_seen;
      ASSERT_EQ(static_cast<size_t>(f.cycle_locks), f.edges.size());
      ASSERT_GE(f.locks.size(), f.edges.size());
      for (size_t i = 0; i < f.edges.size(); ++i) {
        EXPECT_EQ(f.edges[i].to, f.edges[(i + 1) % f.edges.size()].from);
        for (int h : f.edges[i].also_held) {  // may be another lock of the cycle, never an end
          EXPECT_GE(h, 0);
          EXPECT_LT(h, static_cast<int>(f.locks.size()));
          EXPECT_NE(h, f.edges[i].from);
          EXPECT_NE(h, f.edges[i].to);
        }
      }
      EXPECT_GE(f.threads.size(), 2u);
      EXPECT_EQ(f.scenario.size(), 2 * f.edges.size());
    }
  }
  EXPECT_GT(cycles_seen, 20u);  // the generator must actually produce reportable cycles
}

// An init site the runtime capped (max_lock_instances): one warning naming the site's frame,
// the cap and what is not checked; a site without a readable stack is named by its address.
TEST(AnalyzeTest, CappedInitSiteIsAWarningNamingTheSite) {
  TraceBuilder b;
  Trace& t = b.trace();
  t.stacks[5] = {0x4010, 0x4020};
  t.synthetic_sites[0x4010] = SyntheticSite{"new_obj", "/src/churn.c", 12};
  t.synthetic_sites[0x4020] = SyntheticSite{"main", "/src/churn.c", 30};
  t.capped_init_sites[0x4011] = CappedInitSite{0x4011, 5, 4096, LockKind::kMutex};
  t.capped_init_sites[0x5011] = CappedInitSite{0x5011, 77, 8, LockKind::kRwLock};  // no stack
  Report r = AnalyzeOne(t);
  ASSERT_EQ(r.traces.size(), 1u);
  std::vector<std::string> capped;
  for (const std::string& w : r.traces[0].warnings) {
    if (w.find("max_lock_instances") != std::string::npos) capped.push_back(w);
  }
  ASSERT_EQ(capped.size(), 2u);
  EXPECT_EQ(capped[0],
            "more than 4096 mutexes initialised at new_obj churn.c:12 were destroyed: later ones "
            "were not traced (max_lock_instances=4096), so lock orders among them are not "
            "checked");
  EXPECT_NE(capped[1].find("more than 8 rwlocks initialised at 0x5011 were destroyed:"),
            std::string::npos)
      << capped[1];
  EXPECT_TRUE(r.findings.empty());

  t.capped_init_sites.clear();  // the twin: nothing capped, no such warning
  const Report twin = AnalyzeOne(t);  // kept: the loop below reads into it
  ASSERT_EQ(twin.traces.size(), 1u);
  for (const std::string& w : twin.traces[0].warnings) {
    EXPECT_EQ(w.find("max_lock_instances"), std::string::npos) << w;
  }
}

TEST(AnalyzeTest, FindingKindNames) {
  EXPECT_STREQ(FindingKindName(FindingKind::kLockOrderCycle), "lock-order-cycle");
  EXPECT_STREQ(FindingKindName(FindingKind::kApiMisuse), "api-misuse");
  EXPECT_STREQ(FindingKindName(FindingKind::kContention), "contention");
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
