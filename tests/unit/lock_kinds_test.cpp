// lock_kinds_test.cpp — lock-order cycles across lock kinds (mutex, rwlock, spin, annotated) and
// the naming of annotated locks (kLockName), through Analyze() on hand-built traces.

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "analyze.h"

namespace lockscope {
namespace analysis {
namespace {

constexpr uint32_t kMain = 100;

Trace TwoThreadAbba(LockKind a_kind, LockKind b_kind, const std::string& a_name = "") {
  Trace t;
  t.pid = kMain;
  t.path = "hand.lstrace";
  uint64_t seq = 0;
  for (uint32_t tid : {kMain, 201u, 202u}) {
    ThreadInfo& info = t.threads[tid];
    info.tid = tid;
    info.parent_tid = tid == kMain ? 0 : kMain;
    info.parent_epoch = tid == 202 ? 1 : 0;
    info.started = true;
    info.start_seq = ++seq;
  }
  LockInfo a;
  a.id = 1;
  a.address = 0x1000;
  a.kind = a_kind;
  a.name = a_name;
  LockInfo b;
  b.id = 2;
  b.address = 0x2000;
  b.kind = b_kind;
  t.locks[1] = a;
  t.locks[2] = b;
  // 201: A then B; 202: B then A.
  for (auto [tid, held, lock] : {std::tuple<uint32_t, uint32_t, uint32_t>{201, 1, 2}, {202, 2, 1}}) {
    AcquireEvent e;
    e.tid = tid;
    e.seq = ++seq;
    e.lock_id = lock;
    e.stack_id = 10 + lock;
    e.held.push_back({held, 10 + held, LockMode::kExclusive, 1});
    t.acquires.push_back(e);
  }
  return t;
}

Report AnalyzeHand(const Trace& t) {
  AnalyzeOptions options;
  options.symbolize = false;
  return Analyze({t}, options);
}

TEST(LockKindsTest, SpinlockAndMutexCycleIsReported) {
  Report r = AnalyzeHand(TwoThreadAbba(LockKind::kSpin, LockKind::kMutex));
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kLockOrderCycle);
  ASSERT_GE(f.locks.size(), 2u);
  EXPECT_EQ(f.locks[0].kind, "spin");
  EXPECT_EQ(f.locks[1].kind, "mutex");
  EXPECT_NE(f.summary.find("spin 0x1000 => mutex 0x2000 => spin 0x1000"), std::string::npos)
      << f.summary;
}

TEST(LockKindsTest, BinarySemaphoreAndMutexCycleIsReported) {
  Report r = AnalyzeHand(TwoThreadAbba(LockKind::kSemaphore, LockKind::kMutex));
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kLockOrderCycle);
  ASSERT_GE(f.locks.size(), 2u);
  EXPECT_EQ(f.locks[0].kind, "semaphore");
  EXPECT_TRUE(r.suppressed.empty());
}

TEST(LockKindsTest, SignallingSemaphoreCycleIsSuppressedWithTheReason) {
  Trace t = TwoThreadAbba(LockKind::kSemaphore, LockKind::kMutex);
  t.sem_signals[1] = SemSignalInfo{202, 0, 99};  // thread 202 posted it without waiting on it
  Report r = AnalyzeHand(t);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].kind, FindingKind::kLockOrderCycle);
  EXPECT_EQ(r.suppressed[0].reason_id, "semaphore-signal");
  EXPECT_NE(r.suppressed[0].reason.find("posted without having waited on it"), std::string::npos)
      << r.suppressed[0].reason;
  ASSERT_EQ(r.suppressed[0].locks.size(), 2u);
}

TEST(LockKindsTest, SignalRecordForAMutexIdIsIgnored) {
  Trace t = TwoThreadAbba(LockKind::kMutex, LockKind::kMutex);
  t.sem_signals[1] = SemSignalInfo{202, 0, 99};  // damaged trace: names a mutex
  Report r = AnalyzeHand(t);
  EXPECT_EQ(r.findings.size(), 1u);
}

TEST(LockKindsTest, ExitHoldingASignallingSemaphoreIsNotMisuse) {
  Trace t = TwoThreadAbba(LockKind::kSemaphore, LockKind::kMutex);
  t.acquires.clear();
  MisuseEvent m;
  m.tid = 201;
  m.kind = trace::MisuseKind::kExitHoldingLock;
  m.lock_id = 1;
  m.seq = 50;
  t.misuses.push_back(m);
  Report plain = AnalyzeHand(t);
  ASSERT_EQ(plain.findings.size(), 1u);  // a binary semaphore used as a lock: real misuse
  EXPECT_EQ(plain.findings[0].kind, FindingKind::kApiMisuse);
  t.sem_signals[1] = SemSignalInfo{202, 0, 99};
  Report r = AnalyzeHand(t);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "semaphore-signal");
}

TEST(LockKindsTest, AnnotatedLockIsNamedByTheProgram) {
  Report r = AnalyzeHand(
      TwoThreadAbba(LockKind::kAnnotated, LockKind::kMutex, "distributed lock 'orders/42'"));
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  ASSERT_GE(f.locks.size(), 2u);
  EXPECT_EQ(f.locks[0].kind, "annotated");
  EXPECT_EQ(f.locks[0].name, "distributed lock 'orders/42'");
  EXPECT_FALSE(f.locks[0].name_from_symbol);
  EXPECT_NE(f.summary.find("(distributed lock 'orders/42' => mutex 0x2000 => distributed lock "
                           "'orders/42')"),
            std::string::npos)
      << f.summary;
  EXPECT_EQ(f.scenario[0].action, "lock(distributed lock 'orders/42')");
}

TEST(LockKindsTest, UnnamedAnnotatedLockFallsBackToItsAddress) {
  Report r = AnalyzeHand(TwoThreadAbba(LockKind::kAnnotated, LockKind::kRwLock));
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].locks[0].name.rfind("annotated 0x1000", 0), 0u)
      << r.findings[0].locks[0].name;
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
