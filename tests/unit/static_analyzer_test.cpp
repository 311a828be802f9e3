// Unit tests of the static pass's interprocedural core on hand-built facts (no parsing).
#include "static_analyzer.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "static_test_facts.h"
#include "thread_order.h"

namespace lockscope {
namespace static_analysis {
namespace {

using analysis::FindingKind;

SourceLoc At(const std::string& fn, int line) { return SourceLoc{"/src/hub.cc", line, 3, fn}; }

HeldLock Held(const std::string& lock, bool shared, const std::string& fn, int line) {
  return HeldLock{lock, shared, true, At(fn, line)};
}

AcquireFact Acq(const std::string& lock, bool shared, const std::string& fn, int line,
                std::vector<HeldLock> held = {}) {
  AcquireFact a;
  a.lock = lock;
  a.lock_kind = "shared_mutex";
  a.shared = shared;
  a.loc = At(fn, line);
  a.held = std::move(held);
  return a;
}

CallFact Call(const std::string& callee, const std::string& fn, int line,
              std::vector<HeldLock> held) {
  CallFact c;
  c.callee_usr = "usr:" + callee;
  c.callee_name = callee;
  c.loc = At(fn, line);
  c.held = std::move(held);
  return c;
}

FunctionFacts& Fn(ProgramFacts& p, const std::string& name) {
  return AddFunction(p, name, At(name, 1));
}

int Count(const analysis::Report& r, FindingKind k) {
  int n = 0;
  for (const auto& f : r.findings) n += f.kind == k;
  return n;
}

ProgramFacts BroadcastDeregister(bool fixed) {
  ProgramFacts p;
  p.lock_kinds["Hub::mu_"] = "shared_mutex";
  FunctionFacts& b = Fn(p, "Hub::Broadcast");
  b.acquires.push_back(Acq("Hub::mu_", true, "Hub::Broadcast", 10));
  // The buggy version calls Deregister while still holding the read lock.
  b.calls.push_back(Call("Hub::Deregister", "Hub::Broadcast", 13,
                         fixed ? std::vector<HeldLock>{}
                               : std::vector<HeldLock>{Held("Hub::mu_", true, "Hub::Broadcast",
                                                            10)}));
  FunctionFacts& d = Fn(p, "Hub::Deregister");
  d.acquires.push_back(Acq("Hub::mu_", false, "Hub::Deregister", 20));
  return p;
}

TEST(StaticAnalyzerTest, UpgradeThroughACallIsReportedWithTheChain) {
  analysis::Report r = AnalyzeStatic(BroadcastDeregister(false));
  ASSERT_EQ(Count(r, FindingKind::kRwlockUpgrade), 1);
  const auto& f = r.findings[0];
  ASSERT_EQ(f.edges.size(), 1u);
  ASSERT_EQ(f.edges[0].acquire_stack.size(), 2u);  // Deregister:20 <- Broadcast:13
  EXPECT_EQ(f.edges[0].acquire_stack[0].line, 20);
  EXPECT_EQ(f.edges[0].acquire_stack[1].line, 13);
  EXPECT_EQ(f.edges[0].held_stack[0].line, 10);
  EXPECT_NE(f.summary.find("Hub::mu_"), std::string::npos);
}

TEST(StaticAnalyzerTest, UpgradeFixedTwinIsSilent) {
  analysis::Report r = AnalyzeStatic(BroadcastDeregister(true));
  EXPECT_TRUE(r.findings.empty());
}

TEST(StaticAnalyzerTest, AbbaThroughCallsIsACycle) {
  ProgramFacts p;
  FunctionFacts& t = Fn(p, "Transfer");
  t.acquires.push_back(Acq("g_accounts", false, "Transfer", 5));
  t.calls.push_back(Call("LogAudit", "Transfer", 6, {Held("g_accounts", false, "Transfer", 5)}));
  Fn(p, "LogAudit").acquires.push_back(Acq("g_audit", false, "LogAudit", 30));
  FunctionFacts& a = Fn(p, "Audit");
  a.acquires.push_back(Acq("g_audit", false, "Audit", 40));
  a.acquires.push_back(Acq("g_accounts", false, "Audit", 41, {Held("g_audit", false, "Audit", 40)}));
  analysis::Report r = AnalyzeStatic(p);
  ASSERT_EQ(Count(r, FindingKind::kLockOrderCycle), 1);
  EXPECT_EQ(r.findings[0].locks.size(), 2u);
  EXPECT_EQ(r.findings[0].edges.size(), 2u);
}

TEST(StaticAnalyzerTest, GateLockAndReadReadCyclesAreSuppressedWithReasons) {
  for (bool read_read : {false, true}) {
    ProgramFacts p;
    std::vector<HeldLock> gate;
    if (!read_read) gate.push_back(Held("g_gate", false, "X", 1));
    FunctionFacts& x = Fn(p, "X");
    auto held_a = gate;
    held_a.push_back(Held("A", read_read, "X", 2));
    x.acquires.push_back(Acq("B", read_read, "X", 3, held_a));
    FunctionFacts& y = Fn(p, "Y");
    auto held_b = gate;
    held_b.push_back(Held("B", read_read, "Y", 2));
    y.acquires.push_back(Acq("A", read_read, "Y", 3, held_b));
    analysis::Report r = AnalyzeStatic(p);
    EXPECT_EQ(Count(r, FindingKind::kLockOrderCycle), 0);
    ASSERT_FALSE(r.suppressed.empty());
    EXPECT_EQ(r.suppressed[0].reason_id, read_read ? "read-read" : "gate-lock");
  }
}

TEST(StaticAnalyzerTest, UnguardedAccessIsARaceButLockedHelpersAreNot) {
  ProgramFacts p;
  FunctionFacts& inc = Fn(p, "Cache::Put");
  inc.acquires.push_back(Acq("Cache::mu_", false, "Cache::Put", 10));
  AccessFact w{"Cache::size_", true, At("Cache::Put", 11), {Held("Cache::mu_", false, "P", 10)}};
  inc.accesses.push_back(w);
  inc.calls.push_back(Call("Cache::EvictLocked", "Cache::Put", 12,
                           {Held("Cache::mu_", false, "Cache::Put", 10)}));
  // Only ever called with the lock held: its access is guarded through its caller.
  Fn(p, "Cache::EvictLocked").accesses.push_back(
      AccessFact{"Cache::size_", true, At("Cache::EvictLocked", 30), {}});
  analysis::Report clean = AnalyzeStatic(p);
  EXPECT_EQ(Count(clean, FindingKind::kDataRace), 0);

  Fn(p, "Cache::Size").accesses.push_back(AccessFact{"Cache::size_", false, At("Cache::Size", 40), {}});
  analysis::Report racy = AnalyzeStatic(p);
  ASSERT_EQ(Count(racy, FindingKind::kDataRace), 1);
  EXPECT_EQ(racy.findings[0].extra_stacks[1][0].line, 40);
}

// A function's own mutex is no guard of shared data: a write under it is no evidence (suppressed
// with its reason), and does not make the write guarded against a real guard's other users.
TEST(StaticAnalyzerTest, AFunctionLocalLockGuardsNothing) {
  ProgramFacts p;
  p.local_locks.insert("Reset::scratch");
  Fn(p, "Reset").accesses.push_back(
      AccessFact{"g_n", true, At("Reset", 20), {Held("Reset::scratch", false, "Reset", 19)}});
  Fn(p, "Read").accesses.push_back(AccessFact{"g_n", false, At("Read", 30), {}});
  analysis::Report local_only = AnalyzeStatic(p);
  EXPECT_EQ(Count(local_only, FindingKind::kDataRace), 0);
  ASSERT_EQ(local_only.suppressed.size(), 1u);
  EXPECT_EQ(local_only.suppressed[0].reason_id, "local-lock");
  EXPECT_NE(local_only.suppressed[0].reason.find("is a local variable of Reset"), std::string::npos);

  // Not local (the same facts without the mark): the usual race, guarded by Reset::scratch.
  ProgramFacts shared = p;
  shared.local_locks.clear();
  EXPECT_EQ(Count(AnalyzeStatic(shared), FindingKind::kDataRace), 1);

  // A real guard elsewhere: the write under the local lock is an unguarded write.
  Fn(p, "Serve").accesses.push_back(
      AccessFact{"g_n", true, At("Serve", 10), {Held("g_mu", false, "Serve", 9)}});
  p.functions.erase("usr:Read");
  analysis::Report racy = AnalyzeStatic(p);
  ASSERT_EQ(Count(racy, FindingKind::kDataRace), 1);
  EXPECT_EQ(racy.findings[0].extra_stacks[1][0].line, 20);
}

TEST(StaticAnalyzerTest, RelockThroughAnotherObjectIsSuppressedNotReported) {
  ProgramFacts p;
  p.lock_kinds["Account::mu_"] = "mutex";
  FunctionFacts& t = Fn(p, "Account::TransferTo");
  t.acquires.push_back(Acq("Account::mu_", false, "Account::TransferTo", 5));
  CallFact c = Call("Account::Deposit", "Account::TransferTo", 6,
                    {Held("Account::mu_", false, "Account::TransferTo", 5)});
  c.on_this = false;  // other.Deposit(): another account
  t.calls.push_back(c);
  Fn(p, "Account::Deposit").acquires.push_back(Acq("Account::mu_", false, "Account::Deposit", 20));
  analysis::Report r = AnalyzeStatic(p);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "maybe-different-objects");

  p.functions["usr:Account::TransferTo"].calls[0].on_this = true;  // this->Deposit(): relock
  analysis::Report aa = AnalyzeStatic(p);
  ASSERT_EQ(Count(aa, FindingKind::kApiMisuse), 1);
  EXPECT_EQ(aa.findings[0].subkind, "relock-non-recursive");
}

TEST(StaticAnalyzerTest, RecursiveReadNeedsAWriterSomewhere) {
  ProgramFacts p;
  FunctionFacts& c = Fn(p, "Client::Call");
  c.acquires.push_back(Acq("Client::mu_", true, "Client::Call", 5));
  c.calls.push_back(Call("Client::Conn", "Client::Call", 6, {Held("Client::mu_", true, "C", 5)}));
  Fn(p, "Client::Conn").acquires.push_back(Acq("Client::mu_", true, "Client::Conn", 20));
  EXPECT_EQ(Count(AnalyzeStatic(p), FindingKind::kRecursiveReadHazard), 0);
  Fn(p, "Client::Init").acquires.push_back(Acq("Client::mu_", false, "Client::Init", 40));
  EXPECT_EQ(Count(AnalyzeStatic(p), FindingKind::kRecursiveReadHazard), 1);
}

TEST(StaticAnalyzerTest, EscapesBecomeDataRaceFindings) {
  ProgramFacts p;
  EscapeFact e{"Store::mu_", "Store::items_", "it", "used after unlock", At("Store::Get", 10),
               At("Store::Get", 12)};
  Fn(p, "Store::Get").escapes.push_back(e);
  analysis::Report r = AnalyzeStatic(p);
  ASSERT_EQ(Count(r, FindingKind::kDataRace), 1);
  EXPECT_EQ(r.findings[0].subkind, "use-after-unlock");
  EXPECT_EQ(r.findings[0].extra_stacks[1][0].line, 12);
}


}  // namespace
}  // namespace static_analysis
}  // namespace lockscope

namespace lockscope {
namespace static_analysis {
namespace {

// Two programs in one compile database each define g_a/g_b and take them in opposite orders:
// no program has a cycle, so none may be reported. In one program the same facts are a cycle.
TEST(StaticAnalyzerTest, SameNamesInSeparateProgramsAreNotOneLock) {
  for (bool separate : {true, false}) {
    ProgramFacts p;
    const std::string tu1 = "/src/one.cpp", tu2 = separate ? "/src/two.cpp" : "/src/one.cpp";
    for (const char* name : {"g_a", "g_b"}) {
      p.global_definitions[name].insert(tu1);
      p.global_definitions[name].insert(tu2);
    }
    FunctionFacts& f1 = Fn(p, "F");
    f1.tu = tu1;
    f1.acquires.push_back(Acq("g_b", false, "F", 3, {Held("g_a", false, "F", 2)}));
    FunctionFacts& f2 = Fn(p, "G");
    f2.tu = tu2;
    f2.acquires.push_back(Acq("g_a", false, "G", 3, {Held("g_b", false, "G", 2)}));
    analysis::Report r = AnalyzeStatic(p);
    EXPECT_EQ(Count(r, FindingKind::kLockOrderCycle), separate ? 0 : 1) << separate;
    for (const auto& f : r.findings) {
      for (const auto& l : f.locks) EXPECT_EQ(l.name.find("|tu:"), std::string::npos);
    }
  }
}


}  // namespace
}  // namespace static_analysis
}  // namespace lockscope

namespace lockscope {
namespace static_analysis {
namespace {

// main reads a counter after joining the threads that wrote it under the lock: ordered by join,
// not a race. The same read between creation and join is one.
TEST(StaticAnalyzerTest, AccessesOrderedByCreateJoinAreNotRaces) {
  for (int read_line : {50, 30}) {
    ProgramFacts p;
    FunctionFacts& w = Fn(p, "Worker");
    w.accesses.push_back(AccessFact{"g_count", true, At("Worker", 10),
                                    {Held("g_mu", false, "Worker", 9)}});
    FunctionFacts& m = Fn(p, "main");
    m.spawn_lines = {20};
    m.join_lines = {40};
    m.accesses.push_back(AccessFact{"g_count", false, At("main", read_line), {}});
    analysis::Report r = AnalyzeStatic(p);
    EXPECT_EQ(Count(r, FindingKind::kDataRace), read_line == 50 ? 0 : 1) << read_line;
    if (read_line == 50) {
      ASSERT_EQ(r.suppressed.size(), 1u);
      EXPECT_EQ(r.suppressed[0].reason_id, "happens-before");
    }
  }
}


// A pool: Worker runs jobs (one writes g_count under g_mu) and, when idle, announces it under
// Pool::mu_ (`++idle_`) before parking on a condition variable. main starts it, waits in Drain(),
// then reads g_count. `park_announced`: Drain's predicate reads idle_ (the workers announce it as
// they park); otherwise it reads only jobs_ (popped before the last job ran: no ordering).
ProgramFacts PoolDrain(bool park_announced, bool submit_after_drain) {
  ProgramFacts p;
  FunctionFacts& job = Fn(p, "CountJob");
  job.accesses.push_back(
      AccessFact{"g_count", true, At("CountJob", 10), {Held("g_mu", false, "CountJob", 9)}});
  FunctionFacts& w = Fn(p, "Pool::Run");
  HeldLock pool_mu = Held("Pool::mu_", false, "Pool::Run", 20);
  w.accesses.push_back(AccessFact{"Pool::idle_", true, At("Pool::Run", 22), {pool_mu}});
  w.accesses.push_back(AccessFact{"Pool::jobs_", true, At("Pool::Run", 26), {pool_mu}});
  w.wake_lines = {23};
  w.cond_waits.push_back(CondWaitFact{"Pool::mu_", 24, {"Pool::stopping_"}});
  FunctionFacts& submit = Fn(p, "Pool::Submit");
  submit.accesses.push_back(AccessFact{"Pool::jobs_", true, At("Pool::Submit", 31),
                                       {Held("Pool::mu_", false, "Pool::Submit", 30)}});
  submit.wake_lines = {32};
  FunctionFacts& drain = Fn(p, "Pool::Drain");
  std::vector<std::string> predicate = {"Pool::jobs_"};
  if (park_announced) predicate.push_back("Pool::idle_");
  drain.cond_waits.push_back(CondWaitFact{"Pool::mu_", 41, predicate});
  FunctionFacts& start = Fn(p, "Pool::Start");
  start.spawn_lines = {51};
  FunctionFacts& m = Fn(p, "main");
  m.calls.push_back(Call("Pool::Submit", "main", 60, {}));
  m.calls.push_back(Call("Pool::Start", "main", 61, {}));
  m.calls.push_back(Call("Pool::Drain", "main", 62, {}));
  if (submit_after_drain) m.calls.push_back(Call("Pool::Submit", "main", 63, {}));
  m.accesses.push_back(AccessFact{"g_count", false, At("main", 64), {}});
  return p;
}

TEST(StaticAnalyzerTest, AWaitForParkedWorkersOrdersWhatFollowsIt) {
  analysis::Report r = AnalyzeStatic(PoolDrain(true, false));
  EXPECT_EQ(Count(r, FindingKind::kDataRace), 0);
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "happens-before");
  EXPECT_NE(r.suppressed[0].reason.find("park"), std::string::npos) << r.suppressed[0].reason;
}

// Two programs of one compile database with the same pool class: names are kept apart per
// translation unit, the waits' mutex and predicate included, and the handshake still holds.
TEST(StaticAnalyzerTest, AParkHandshakeHoldsWhenSeveralProgramsShareTheNames) {
  ProgramFacts p = PoolDrain(true, false);
  for (const char* name : {"Pool::idle_", "Pool::jobs_", "Pool::mu_", "g_count", "g_mu"}) {
    p.global_definitions[name] = {"/src/a.cc", "/src/b.cc"};
  }
  for (auto& [usr, f] : p.functions) f.tu = "/src/a.cc";
  analysis::Report r = AnalyzeStatic(p);
  EXPECT_EQ(Count(r, FindingKind::kDataRace), 0);
}

TEST(StaticAnalyzerTest, AWaitForStateOfRunningThreadsOrdersNothing) {
  // Drain waits only for an empty queue: the last job may still run while main reads.
  EXPECT_EQ(Count(AnalyzeStatic(PoolDrain(false, false)), FindingKind::kDataRace), 1);
  // Waking the workers again after the handshake (a Submit) lets them run during the read.
  EXPECT_EQ(Count(AnalyzeStatic(PoolDrain(true, true)), FindingKind::kDataRace), 1);
}

TEST(StaticAnalyzerTest, HandshakeNeedsAnnouncementBeforeParkingUnderTheWaitsMutex) {
  ProgramFacts p;
  FunctionFacts& w = Fn(p, "Worker");
  HeldLock mu = Held("mu", false, "Worker", 1);
  // Announced as it parks, but under another mutex than the one the waiter waits with; and one
  // written after the wait (not parked when it is seen).
  w.accesses.push_back(AccessFact{"idle", true, At("Worker", 5), {Held("other", false, "W", 1)}});
  w.accesses.push_back(AccessFact{"started", true, At("Worker", 9), {mu}});
  w.cond_waits.push_back(CondWaitFact{"mu", 7, {"parked"}});
  w.accesses.push_back(AccessFact{"parked", true, At("Worker", 6), {mu}});
  internal::Announcements a = internal::ParkAnnouncements(p);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(a.count({"parked", "mu"}), 1u);
  FunctionFacts& waiter = Fn(p, "Waiter");
  waiter.cond_waits.push_back(CondWaitFact{"mu", 20, {"idle", "started"}});
  waiter.cond_waits.push_back(CondWaitFact{"mu", 30, {"parked"}});
  EXPECT_EQ(internal::HandshakeLines(waiter, a), std::set<int>{30});
  // The announcer waiting for its own announcement is no handshake with other threads.
  EXPECT_TRUE(internal::HandshakeLines(w, a).empty());
  internal::ThreadEvents e;
  e.spawns = {10};
  e.handshakes = {30};
  e.wakes = {40};
  EXPECT_FALSE(internal::OrderedByHandshake(e, 25));  // before the handshake
  EXPECT_TRUE(internal::OrderedByHandshake(e, 35));
  EXPECT_FALSE(internal::OrderedByHandshake(e, 45));  // woken again
  e.spawns = {10, 32};
  EXPECT_FALSE(internal::OrderedByHandshake(e, 35));  // a thread created after it
}


// A declared order (ACQUIRED_BEFORE) is an edge: the one path taking the locks the other way
// round is a cycle (subkind declared-order) even though no code path takes them the declared way.
TEST(StaticAnalyzerTest, APathAgainstTheDeclaredOrderIsACycle) {
  for (bool against : {true, false}) {
    ProgramFacts p;
    p.declared_order.push_back(DeclaredOrder{"L::accounts_", "L::journal_", "", At("L", 3)});
    FunctionFacts& f = Fn(p, "L::Compact");
    const std::string outer = against ? "L::journal_" : "L::accounts_";
    const std::string inner = against ? "L::accounts_" : "L::journal_";
    f.acquires.push_back(Acq(outer, false, "L::Compact", 10));
    f.acquires.push_back(Acq(inner, false, "L::Compact", 11, {Held(outer, false, "L::Compact", 10)}));
    analysis::Report r = AnalyzeStatic(p);
    ASSERT_EQ(Count(r, FindingKind::kLockOrderCycle), against ? 1 : 0) << against;
    if (against) {
      EXPECT_EQ(r.findings[0].subkind, "declared-order");
      EXPECT_NE(r.findings[0].summary.find("declared order L::accounts_ before L::journal_"),
                std::string::npos)
          << r.findings[0].summary;
    }
  }
}

}  // namespace
}  // namespace static_analysis
}  // namespace lockscope
