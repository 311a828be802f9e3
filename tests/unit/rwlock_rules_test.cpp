// rwlock_rules_test.cpp — rwlock-upgrade, recursive-read-hazard and the "reentrant" note
// (rwlock_rules.h), through Analyze() on hand-built traces (no files, no symbolization).

#include "rwlock_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analyze.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

constexpr uint32_t kMain = 100;
constexpr uint32_t kL = 1;  // the rwlock
constexpr uint32_t kG = 2;  // a mutex
constexpr uint32_t kR = 3;  // a recursive mutex
constexpr uint32_t kT1 = 201, kT2 = 202;

class Builder {
 public:
  explicit Builder(uint16_t rw_attrs = 0) {
    t_.pid = kMain;
    t_.path = "hand.lstrace";
    Thread(kMain, 0, 0);
    AddLock(kL, LockKind::kRwLock, rw_attrs);
    AddLock(kG, LockKind::kMutex, 0);
    AddLock(kR, LockKind::kMutex, tf::kAttrRecursive);
  }
  Builder& Thread(uint32_t tid, uint32_t parent, uint32_t parent_epoch) {
    ThreadInfo& info = t_.threads[tid];
    info.tid = tid;
    info.parent_tid = parent;
    info.parent_epoch = parent_epoch;
    info.started = true;
    info.start_seq = ++seq_;
    return *this;
  }
  // `tid` acquires `lock` in `mode` while holding `held` (outermost first).
  Builder& Lock(uint32_t tid, uint32_t lock, LockMode mode, std::vector<HeldLock> held,
                uint32_t epoch = 0, uint8_t flags = 0, uint32_t stack = 0) {
    AcquireEvent a;
    a.tid = tid;
    a.seq = ++seq_;
    a.lock_id = lock;
    a.mode = mode;
    a.stack_id = stack != 0 ? stack : 10 + lock;
    a.epoch = epoch;
    a.flags = flags;
    a.held = std::move(held);
    t_.acquires.push_back(a);
    return *this;
  }
  Builder& Join(uint32_t joiner, uint32_t joined, uint32_t epoch_after) {
    JoinEvent j;
    j.joiner_tid = joiner;
    j.joined_tid = joined;
    j.seq = ++seq_;
    j.epoch_after = epoch_after;
    t_.joins.push_back(j);
    return *this;
  }
  // The final slot of `tid`: blocked on `lock` in `mode` while holding `held`.
  Builder& Blocked(uint32_t tid, uint32_t lock, LockMode mode, std::vector<HeldLock> held) {
    SlotSnapshot s;
    s.tid = tid;
    s.state = tf::ThreadState::kBlocked;
    s.wait_kind = tf::WaitKind::kLock;
    s.wait_lock_id = lock;
    s.wait_mode = mode;
    s.wait_stack_id = 77;
    s.held = std::move(held);
    t_.slots.push_back(s);
    return *this;
  }
  const Trace& trace() const { return t_; }

 private:
  void AddLock(uint32_t id, LockKind kind, uint16_t attrs) {
    LockInfo l;
    l.id = id;
    l.address = 0x1000 * id;
    l.kind = kind;
    l.attrs = attrs;
    t_.locks[id] = l;
  }
  Trace t_;
  uint64_t seq_ = 0;
};

HeldLock Shared(uint32_t id, uint32_t stack = 50) { return {id, stack, LockMode::kShared, 1}; }
HeldLock Excl(uint32_t id, uint32_t stack = 60) { return {id, stack, LockMode::kExclusive, 1}; }

Report AnalyzeHand(const Trace& t) {
  AnalyzeOptions options;
  options.symbolize = false;
  return Analyze({t}, options);
}

std::vector<const Finding*> Of(const Report& r, FindingKind kind) {
  std::vector<const Finding*> out;
  for (const Finding& f : r.findings) {
    if (f.kind == kind) out.push_back(&f);
  }
  return out;
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// --- rwlock-upgrade

TEST(RwlockUpgradeTest, WriteRequestWhileReadHoldingIsReported) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kL, LockMode::kShared, {}, 0, 0, 31);
  b.Lock(kT1, kL, LockMode::kExclusive, {Shared(kL, 31)}, 0, 0, 32);
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRwlockUpgrade);
  ASSERT_EQ(found.size(), 1u);
  const Finding& f = *found[0];
  EXPECT_EQ(f.severity, "error");
  EXPECT_FALSE(f.hung);
  ASSERT_EQ(f.locks.size(), 1u);
  EXPECT_EQ(f.locks[0].lock_id, kL);
  EXPECT_EQ(f.locks[0].kind, "rwlock");
  ASSERT_EQ(f.edges.size(), 1u);
  EXPECT_EQ(f.edges[0].from, 0);
  EXPECT_EQ(f.edges[0].to, 0);
  EXPECT_EQ(f.edges[0].from_mode, "shared");
  EXPECT_EQ(f.edges[0].to_mode, "exclusive");
  EXPECT_EQ(f.edges[0].tid, kT1);
  ASSERT_EQ(f.threads.size(), 1u);
  EXPECT_EQ(f.threads[0].name, "T1");
  EXPECT_TRUE(Contains(f.summary, "requests rwlock 0x1000 exclusively while holding it shared"))
      << f.summary;
  ASSERT_EQ(f.scenario.size(), 2u);
  EXPECT_EQ(f.scenario[0].action, "rlock(rwlock 0x1000)");
  EXPECT_TRUE(Contains(f.scenario[1].action, "lock(rwlock 0x1000) <- waits for its own read"));
  EXPECT_FALSE(Contains(f.story, "observed blocked"));
  EXPECT_TRUE(Of(r, FindingKind::kLockOrderCycle).empty());
}

TEST(RwlockUpgradeTest, SlotBlockedInTheUpgradeMarksItHung) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kL, LockMode::kExclusive, {Shared(kL)});
  b.Blocked(kT1, kL, LockMode::kExclusive, {Shared(kL)});
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRwlockUpgrade);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0]->hung);
  EXPECT_TRUE(Contains(found[0]->story, "thread slot shows it waiting for rwlock 0x1000 "
                                        "exclusively while it holds rwlock 0x1000 shared"))
      << found[0]->story;
}

TEST(RwlockUpgradeTest, SlotAloneIsEnoughWhenTheRecordWasDropped) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Blocked(kT1, kL, LockMode::kExclusive, {Excl(kG), Shared(kL)});
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRwlockUpgrade);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0]->hung);
  ASSERT_EQ(found[0]->edges.size(), 1u);
  ASSERT_EQ(found[0]->edges[0].also_held.size(), 1u);
  EXPECT_EQ(found[0]->locks[found[0]->edges[0].also_held[0]].lock_id, kG);
}

TEST(RwlockUpgradeTest, RepeatsAtOneSiteAreOneFindingWithACount) {
  Builder b;
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kExclusive, {Shared(kL)});
  b.Lock(kT2, kL, LockMode::kExclusive, {Shared(kL)});
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRwlockUpgrade);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->edges[0].count, 2u);
}

TEST(RwlockUpgradeTest, TryWriteWhileReadHoldingIsSuppressed) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kL, LockMode::kExclusive, {Shared(kL)}, 0, tf::kAcqTry | tf::kAcqFailed);
  Report r = AnalyzeHand(b.trace());
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].kind, FindingKind::kRwlockUpgrade);
  EXPECT_EQ(r.suppressed[0].reason_id, "try-lock");
}

TEST(RwlockUpgradeTest, WriteAfterReleasingTheReadLockIsClean) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kL, LockMode::kShared, {});
  b.Lock(kT1, kL, LockMode::kExclusive, {});
  Report r = AnalyzeHand(b.trace());
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.suppressed.empty());
}

// --- recursive-read-hazard

TEST(RecursiveReadTest, DefaultRwlockWithAWriterIsALatentHazard) {
  Builder b;
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kShared, {}, 0, 0, 41);
  b.Lock(kT1, kL, LockMode::kShared, {Shared(kL, 41)}, 0, tf::kAcqReentrant, 42);
  b.Lock(kT2, kL, LockMode::kExclusive, {}, 0, 0, 43);
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRecursiveReadHazard);
  ASSERT_EQ(found.size(), 1u);
  const Finding& f = *found[0];
  EXPECT_EQ(f.severity, "warning");
  EXPECT_FALSE(f.hung);
  EXPECT_TRUE(Contains(f.summary, "latent hazard")) << f.summary;
  ASSERT_EQ(f.threads.size(), 2u);
  EXPECT_EQ(f.threads[0].tid, kT1);
  EXPECT_EQ(f.threads[1].tid, kT2);
  ASSERT_EQ(f.edges.size(), 1u);
  EXPECT_EQ(f.edges[0].from_mode, "shared");
  EXPECT_EQ(f.edges[0].to_mode, "shared");
  ASSERT_EQ(f.extra_stacks.size(), 1u);  // the writer's request
  EXPECT_TRUE(Contains(f.extra_stack_titles[0], "the writer: thread T2"));
  ASSERT_EQ(f.scenario.size(), 3u);  // T1 reads, T2 queues to write, T1 reads again
  EXPECT_EQ(f.scenario[0].tid, kT1);
  EXPECT_EQ(f.scenario[1].tid, kT2);
  EXPECT_EQ(f.scenario[2].tid, kT1);
  EXPECT_TRUE(Contains(f.story, "prefers readers")) << f.story;
}

TEST(RecursiveReadTest, WriterPreferringRwlockIsADeadlock) {
  Builder b(tf::kAttrPreferWriter);
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqReentrant);
  b.Lock(kT2, kL, LockMode::kExclusive, {});
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRecursiveReadHazard);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->severity, "error");
  EXPECT_FALSE(found[0]->hung);
  EXPECT_TRUE(Contains(found[0]->summary, "deadlock on this rwlock")) << found[0]->summary;
  EXPECT_TRUE(Contains(found[0]->story, "prefers writers")) << found[0]->story;
}

TEST(RecursiveReadTest, HungWhenTheSlotsShowReaderAndWriterBlocked) {
  Builder b(tf::kAttrPreferWriter);
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqReentrant);
  b.Lock(kT2, kL, LockMode::kExclusive, {});
  b.Blocked(kT1, kL, LockMode::kShared, {Shared(kL)});
  b.Blocked(kT2, kL, LockMode::kExclusive, {});
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRecursiveReadHazard);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0]->hung);
  EXPECT_TRUE(Contains(found[0]->summary, "the program hung")) << found[0]->summary;
}

TEST(RecursiveReadTest, WriterOnlyInTheFinalSlotCounts) {
  Builder b;
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqReentrant);
  b.Blocked(kT2, kL, LockMode::kExclusive, {});
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRecursiveReadHazard);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(Contains(found[0]->story, "blocked there when the trace ended")) << found[0]->story;
}

TEST(RecursiveReadTest, NoWriterNoFinding) {
  Builder b;
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqReentrant);
  b.Lock(kT2, kL, LockMode::kShared, {});
  Report r = AnalyzeHand(b.trace());
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.suppressed.empty());
}

TEST(RecursiveReadTest, TheReadersOwnWriteIsNotAnotherWriter) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqReentrant);
  b.Lock(kT1, kL, LockMode::kExclusive, {});
  EXPECT_TRUE(AnalyzeHand(b.trace()).findings.empty());
}

TEST(RecursiveReadTest, TryWritersDoNotQueue) {
  Builder b;
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqReentrant);
  b.Lock(kT2, kL, LockMode::kExclusive, {}, 0, tf::kAcqTry);
  EXPECT_TRUE(AnalyzeHand(b.trace()).findings.empty());
}

TEST(RecursiveReadTest, TryReReadIsSuppressed) {
  Builder b;
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqTry | tf::kAcqReentrant);
  b.Lock(kT2, kL, LockMode::kExclusive, {});
  Report r = AnalyzeHand(b.trace());
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].kind, FindingKind::kRecursiveReadHazard);
  EXPECT_EQ(r.suppressed[0].reason_id, "try-lock");
}

TEST(RecursiveReadTest, WriterOrderedByJoinIsSuppressedHappensBefore) {
  Builder b;
  // main creates T1 (epoch 0 -> 1), T1 writes, main joins it (-> 2), creates T2 (2 -> 3).
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kL, LockMode::kExclusive, {}, 0);
  b.Join(kMain, kT1, 2);
  b.Thread(kT2, kMain, 2);
  b.Lock(kT2, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqReentrant);
  Report r = AnalyzeHand(b.trace());
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "happens-before");
  EXPECT_TRUE(Contains(r.suppressed[0].reason, "ordered with it by thread create/join"));
}

TEST(RecursiveReadTest, CommonGateLockIsSuppressed) {
  Builder b;
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kL, LockMode::kShared, {Excl(kG), Shared(kL)}, 0, tf::kAcqReentrant);
  b.Lock(kT2, kL, LockMode::kExclusive, {Excl(kG)});
  Report r = AnalyzeHand(b.trace());
  EXPECT_TRUE(Of(r, FindingKind::kRecursiveReadHazard).empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "gate-lock");
  EXPECT_TRUE(Contains(r.suppressed[0].reason, "while holding mutex 0x2000"));
}

TEST(RecursiveReadTest, OneUnorderedWriterIsEnoughDespiteAnOrderedOne) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kL, LockMode::kExclusive, {}, 0);
  b.Join(kMain, kT1, 2);
  b.Thread(kT2, kMain, 2);
  b.Thread(203, kMain, 3);
  b.Lock(kT2, kL, LockMode::kShared, {Shared(kL)}, 0, tf::kAcqReentrant);
  b.Lock(203, kL, LockMode::kExclusive, {}, 0, 0, 99);
  Report r = AnalyzeHand(b.trace());
  auto found = Of(r, FindingKind::kRecursiveReadHazard);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->threads.back().tid, 203u);
}

// --- reentrant note

TEST(ReentrantNoteTest, RecursiveRelockUnderAnotherLockExplainsTheMissingCycle) {
  Builder b;
  b.Thread(kT1, kMain, 0).Thread(kT2, kMain, 1);
  b.Lock(kT1, kG, LockMode::kExclusive, {Excl(kR)});                            // R -> G
  b.Lock(kT1, kR, LockMode::kExclusive, {Excl(kR), Excl(kG)}, 0, tf::kAcqReentrant);  // re-lock
  b.Lock(kT2, kG, LockMode::kExclusive, {Excl(kR)});                            // R -> G
  Report r = AnalyzeHand(b.trace());
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  const SuppressedCandidate& s = r.suppressed[0];
  EXPECT_EQ(s.kind, FindingKind::kLockOrderCycle);
  EXPECT_EQ(s.reason_id, "reentrant");
  ASSERT_EQ(s.locks.size(), 2u);
  EXPECT_EQ(s.locks[0].lock_id, kR);
  EXPECT_EQ(s.locks[1].lock_id, kG);
  EXPECT_TRUE(Contains(s.reason, "recursive mutex by its owner never waits")) << s.reason;
}

TEST(ReentrantNoteTest, NoReverseEdgeNoNote) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kR, LockMode::kExclusive, {Excl(kR), Excl(kG)}, 0, tf::kAcqReentrant);
  EXPECT_TRUE(AnalyzeHand(b.trace()).suppressed.empty());
}

TEST(ReentrantNoteTest, NonRecursiveRelockGetsNoNote) {
  Builder b;
  b.Thread(kT1, kMain, 0);
  b.Lock(kT1, kG, LockMode::kExclusive, {});
  b.Lock(kT1, 4, LockMode::kExclusive, {Excl(kG)});
  b.Lock(kT1, kG, LockMode::kExclusive, {Excl(kG), Excl(4)});  // AA on a plain mutex
  for (const SuppressedCandidate& s : AnalyzeHand(b.trace()).suppressed) {
    EXPECT_NE(s.reason_id, "reentrant");
  }
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
