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
