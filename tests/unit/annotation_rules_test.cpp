// Unit tests of the static rules fed by thread-safety attributes and of stored views, on
// hand-built facts (no parsing): GUARDED_BY / PT_GUARDED_BY, REQUIRES, EXCLUDES,
// NO_THREAD_SAFETY_ANALYSIS, views stored in members and out-parameters, and the thread-event
// summaries (creations/joins through calls, thread bodies started one after another).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "static_analyzer.h"
#include "static_test_facts.h"

namespace lockscope {
namespace static_analysis {
namespace {

using analysis::FindingKind;

SourceLoc At(const std::string& fn, int line) { return SourceLoc{"/src/bank.cc", line, 3, fn}; }

HeldLock Held(const std::string& lock, bool shared = false) {
  return HeldLock{lock, shared, true, At("X", 1)};
}

FunctionFacts& Fn(ProgramFacts& p, const std::string& name) {
  return AddFunction(p, name, At(name, 1));
}

AccessFact Access(const std::string& var, bool write, const std::string& fn, int line,
                  std::vector<HeldLock> held = {}, bool deref = false) {
  AccessFact a{var, write, At(fn, line), std::move(held)};
  a.deref = deref;
  return a;
}

std::vector<const analysis::Finding*> Findings(const analysis::Report& r, const std::string& sub) {
  std::vector<const analysis::Finding*> out;
  for (const auto& f : r.findings) {
    if (f.subkind == sub) out.push_back(&f);
  }
  return out;
}

bool Suppressed(const analysis::Report& r, const std::string& reason_id) {
  for (const auto& s : r.suppressed) {
    if (s.reason_id == reason_id) return true;
  }
  return false;
}

// A declared guard needs no locked write to be seen: one unguarded read is the finding.
TEST(AnnotationRulesTest, GuardedByReadWithoutTheLockIsARace) {
  ProgramFacts p;
  p.declared_guards["Ledger::balance_"] = DeclaredGuard{"Ledger::mu_", false, At("Ledger", 30)};
  Fn(p, "Ledger::Balance").accesses.push_back(Access("Ledger::balance_", false, "Ledger::Balance", 12));
  analysis::Report r = AnalyzeStatic(p);
  auto found = Findings(r, "guarded-by-violated");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->kind, FindingKind::kDataRace);
  EXPECT_EQ(found[0]->locks[0].name, "Ledger::mu_");
  EXPECT_EQ(found[0]->extra_stacks[0][0].line, 30);  // the declaration
  EXPECT_EQ(found[0]->extra_stacks[1][0].line, 12);  // the access
  // The inferred rule leaves declared variables alone: one finding, not two.
  EXPECT_EQ(r.findings.size(), 1u);
}

TEST(AnnotationRulesTest, GuardedByHeldHereOrByEveryCallerIsFine) {
  ProgramFacts p;
  p.declared_guards["Ledger::balance_"] = DeclaredGuard{"Ledger::mu_", false, At("Ledger", 30)};
  Fn(p, "Ledger::Deposit").accesses.push_back(
      Access("Ledger::balance_", true, "Ledger::Deposit", 10, {Held("Ledger::mu_")}));
  // Only called with the lock held (must-hold at entry).
  FunctionFacts& caller = Fn(p, "Ledger::Apply");
  caller.calls.push_back(CallFact{"usr:Ledger::AddLocked", "Ledger::AddLocked", false, true,
                                  At("Ledger::Apply", 5), {Held("Ledger::mu_")}, {}, {}});
  Fn(p, "Ledger::AddLocked").accesses.push_back(
      Access("Ledger::balance_", true, "Ledger::AddLocked", 20));
  EXPECT_TRUE(AnalyzeStatic(p).findings.empty());
}

TEST(AnnotationRulesTest, GuardedByWriteUnderASharedHoldIsARace) {
  ProgramFacts p;
  p.declared_guards["Table::rows_"] = DeclaredGuard{"Table::mu_", false, At("Table", 30)};
  Fn(p, "Table::Touch").accesses.push_back(
      Access("Table::rows_", true, "Table::Touch", 10, {Held("Table::mu_", /*shared=*/true)}));
  Fn(p, "Table::Read").accesses.push_back(
      Access("Table::rows_", false, "Table::Read", 20, {Held("Table::mu_", /*shared=*/true)}));
  auto result = AnalyzeStatic(p);  // Findings() points into it: keep it alive
  auto found = Findings(result, "guarded-by-violated");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0]->summary.find("only shared"), std::string::npos);
  EXPECT_EQ(found[0]->extra_stacks[1][0].line, 10);
}

TEST(AnnotationRulesTest, PtGuardedByGuardsThePointeeOnly) {
  for (bool deref : {false, true}) {
    ProgramFacts p;
    p.declared_guards["Ledger::last_"] = DeclaredGuard{"Ledger::mu_", true, At("Ledger", 31)};
    Fn(p, "Ledger::Forget").accesses.push_back(
        Access("Ledger::last_", true, "Ledger::Forget", 14, {}, deref));
    EXPECT_EQ(Findings(AnalyzeStatic(p), "guarded-by-violated").size(), deref ? 1u : 0u) << deref;
  }
}

TEST(AnnotationRulesTest, NoThreadSafetyAnalysisSuppressesAndSaysSo) {
  ProgramFacts p;
  p.declared_guards["Ledger::balance_"] = DeclaredGuard{"Ledger::mu_", false, At("Ledger", 30)};
  FunctionFacts& dump = Fn(p, "Ledger::DebugDump");
  dump.no_thread_safety_analysis = true;
  dump.accesses.push_back(Access("Ledger::balance_", false, "Ledger::DebugDump", 12));
  // The inferred rule too: written under a lock elsewhere, read bare in the marked function.
  Fn(p, "Cache::Put").accesses.push_back(
      Access("Cache::size_", true, "Cache::Put", 5, {Held("Cache::mu_")}));
  dump.accesses.push_back(Access("Cache::size_", false, "Ledger::DebugDump", 13));
  analysis::Report r = AnalyzeStatic(p);
  EXPECT_TRUE(r.findings.empty());
  int marked = 0;
  for (const auto& s : r.suppressed) {
    if (s.reason_id != "no-thread-safety-analysis") continue;
    ++marked;
    EXPECT_NE(s.reason.find("Ledger::DebugDump"), std::string::npos);
  }
  EXPECT_EQ(marked, 2);
}

CallFact CallRequiring(const std::string& callee, const std::string& caller, int line,
                       std::vector<HeldLock> held, const std::string& lock, bool shared) {
  CallFact c{"usr:" + callee, callee, false, true, At(caller, line), std::move(held), {}, {}};
  c.callee_requires.push_back(HeldLock{lock, shared, false, At(callee, 40)});
  return c;
}

TEST(AnnotationRulesTest, CallingARequiresFunctionWithoutTheLockIsReported) {
  ProgramFacts p;
  FunctionFacts& steal = Fn(p, "Scheduler::Steal");
  steal.calls.push_back(CallRequiring("Scheduler::PopLocked", "Scheduler::Steal", 30, {},
                                      "Scheduler::mu_", false));
  FunctionFacts& pop = Fn(p, "Scheduler::Pop");
  pop.calls.push_back(CallRequiring("Scheduler::PopLocked", "Scheduler::Pop", 20,
                                    {Held("Scheduler::mu_")}, "Scheduler::mu_", false));
  analysis::Report r = AnalyzeStatic(p);
  auto found = Findings(r, "requires-not-held");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->extra_stacks[0][0].line, 30);  // the call
  EXPECT_EQ(found[0]->extra_stacks[1][0].line, 40);  // the REQUIRES declaration
}

TEST(AnnotationRulesTest, RequiresSharedAcceptsASharedHoldExclusiveDoesNot) {
  for (bool need_shared : {true, false}) {
    ProgramFacts p;
    Fn(p, "Index::Find").calls.push_back(CallRequiring(
        "Index::LookupLocked", "Index::Find", 8, {Held("Index::mu_", true)}, "Index::mu_",
        need_shared));
    EXPECT_EQ(Findings(AnalyzeStatic(p), "requires-not-held").size(), need_shared ? 0u : 1u);
  }
}

TEST(AnnotationRulesTest, ExcludesHeldIsReportedUnlessTheRelockIsSeen) {
  for (bool body_seen : {false, true}) {
    ProgramFacts p;
    p.lock_kinds["Cache::mu_"] = "mutex";
    FunctionFacts& put = Fn(p, "Cache::Put");
    CallFact c{"usr:Cache::Refresh", "Cache::Refresh", false, true, At("Cache::Put", 22),
               {Held("Cache::mu_")}, {}, {"Cache::mu_"}};
    put.calls.push_back(c);
    if (body_seen) {  // Refresh's body is analyzed: the relock rule reports it, once
      AcquireFact a;
      a.lock = "Cache::mu_";
      a.lock_kind = "mutex";
      a.loc = At("Cache::Refresh", 50);
      Fn(p, "Cache::Refresh").acquires.push_back(a);
    }
    analysis::Report r = AnalyzeStatic(p);
    EXPECT_EQ(Findings(r, "excludes-held").size(), body_seen ? 0u : 1u);
    EXPECT_EQ(Findings(r, "relock-non-recursive").size(), body_seen ? 1u : 0u);
  }
}

EscapeFact Stored(const std::string& fn, const std::string& stored_in, int line) {
  EscapeFact e;
  e.lock = "Feed::mu_";
  e.variable = "Feed::items_";
  e.via = stored_in.empty() ? "out-parameter `out`" : stored_in;
  e.how = "stored";
  e.stored_in = stored_in;
  e.taken_loc = At(fn, line);
  return e;
}

TEST(AnnotationRulesTest, StoredViewReadWithoutTheLockIsOneFinding) {
  ProgramFacts p;
  FunctionFacts& select = Fn(p, "Feed::Select");
  select.escapes.push_back(Stored("Feed::Select", "Feed::current_", 31));
  select.accesses.push_back(Access("Feed::current_", true, "Feed::Select", 31, {Held("Feed::mu_")}));
  Fn(p, "Feed::Title").accesses.push_back(Access("Feed::current_", false, "Feed::Title", 35));
  analysis::Report r = AnalyzeStatic(p);
  auto found = Findings(r, "stored-view-escapes-lock");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->extra_stacks[0][0].line, 31);  // the store
  EXPECT_EQ(found[0]->extra_stacks[1][0].line, 35);  // the later use
  EXPECT_TRUE(Findings(r, "unguarded-access").empty());  // the same bug, reported once
}

TEST(AnnotationRulesTest, StoredViewUsedOnlyUnderTheLockIsSuppressed) {
  ProgramFacts p;
  Fn(p, "Feed::Add").escapes.push_back(Stored("Feed::Add", "Feed::last_", 22));
  Fn(p, "Feed::Last").accesses.push_back(
      Access("Feed::last_", false, "Feed::Last", 37, {Held("Feed::mu_")}));
  analysis::Report r = AnalyzeStatic(p);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(Suppressed(r, "used-under-lock"));
}

TEST(AnnotationRulesTest, OutParameterViewNamesTheCallerUnlessItHoldsTheLock) {
  for (bool caller_holds : {false, true}) {
    ProgramFacts p;
    Fn(p, "Feed::Latest").escapes.push_back(Stored("Feed::Latest", "", 40));
    std::vector<HeldLock> held;
    if (caller_holds) held.push_back(Held("Feed::mu_"));
    Fn(p, "main").calls.push_back(
        CallFact{"usr:Feed::Latest", "Feed::Latest", false, true, At("main", 56), held, {}, {}});
    auto result = AnalyzeStatic(p);  // Findings() points into it: keep it alive
    auto found = Findings(result, "stored-view-escapes-lock");
    ASSERT_EQ(found.size(), caller_holds ? 0u : 1u);
    if (!caller_holds) {
      EXPECT_EQ(found[0]->extra_stacks[1][0].line, 56);
    }
  }
}

// main starts the workers through pool.Start() and joins them in pool.Shutdown(): its read after
// Shutdown() is ordered, one between the two calls is not.
TEST(AnnotationRulesTest, CreationAndJoinThroughCallsOrderAccesses) {
  for (int read_line : {60, 45}) {
    ProgramFacts p;
    Fn(p, "Pool::Start").spawn_lines = {10};
    Fn(p, "Pool::Shutdown").join_lines = {20};
    Fn(p, "Worker").accesses.push_back(Access("g_count", true, "Worker", 5, {Held("g_mu")}));
    FunctionFacts& m = Fn(p, "main");
    m.calls.push_back(CallFact{"usr:Pool::Start", "Pool::Start", false, true, At("main", 40), {},
                               {}, {}});
    m.calls.push_back(CallFact{"usr:Pool::Shutdown", "Pool::Shutdown", false, true, At("main", 50),
                               {}, {}, {}});
    m.accesses.push_back(Access("g_count", false, "main", read_line));
    EXPECT_EQ(Findings(AnalyzeStatic(p), "unguarded-access").size(), read_line == 60 ? 0u : 1u)
        << read_line;
  }
}

// Two thread bodies of main take A and B in opposite orders; the second thread is created only
// after the first was joined, so the inversion cannot deadlock. Without that join it can.
TEST(AnnotationRulesTest, ThreadBodiesStartedAfterAJoinDoNotFormACycle) {
  for (bool joined_between : {true, false}) {
    ProgramFacts p;
    FunctionFacts& m = Fn(p, "main");
    m.spawn_lines = {9, 15};
    m.join_lines = joined_between ? std::vector<int>{14, 20} : std::vector<int>{20, 21};
    for (auto [line, first, second] : {std::make_tuple(9, "A", "B"), std::make_tuple(15, "B", "A")}) {
      FunctionFacts& l = p.functions["usr:main@lambda:" + std::to_string(line) + ":3"];
      l.usr = "usr:main@lambda:" + std::to_string(line) + ":3";
      l.name = "main::<lambda>";
      l.loc = At("main", line);
      AcquireFact a;
      a.lock = second;
      a.lock_kind = "mutex";
      a.loc = At("main", line + 2);
      a.held = {Held(first)};
      l.acquires.push_back(a);
    }
    analysis::Report r = AnalyzeStatic(p);
    EXPECT_EQ(r.findings.size(), joined_between ? 0u : 1u) << joined_between;
    EXPECT_EQ(Suppressed(r, "happens-before"), joined_between);
  }
}

TEST(AnnotationRulesTest, RecursiveRelockWhileHeldOrdersNothing) {
  ProgramFacts p;
  p.lock_kinds["g_registry"] = "recursive_mutex";
  p.lock_kinds["g_log"] = "mutex";
  AcquireFact log;
  log.lock = "g_log";
  log.lock_kind = "mutex";
  log.loc = At("Add", 22);
  log.held = {Held("g_registry")};
  AcquireFact again;  // Size() re-locks the registry its thread already holds
  again.lock = "g_registry";
  again.lock_kind = "recursive_mutex";
  again.loc = At("Add", 23);
  again.held = {Held("g_registry"), Held("g_log")};
  Fn(p, "Add").acquires = {log, again};
  EXPECT_TRUE(AnalyzeStatic(p).findings.empty());
}

}  // namespace
}  // namespace static_analysis
}  // namespace lockscope
