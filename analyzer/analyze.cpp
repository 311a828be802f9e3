// analyze.cpp — Analyze() (analyze.h): per trace, lock-order cycles that can deadlock, api misuse,
// and a TraceSummary; everything symbolized through one Symbolizer per trace.

#include "analyze.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "contention.h"
#include "cycle_feasibility.h"
#include "cycle_finder.h"
#include "finding_context.h"
#include "happens_before.h"
#include "lock_classes.h"
#include "lock_graph.h"
#include "misuse_findings.h"
#include "rwlock_rules.h"
#include "symbolizer.h"
#include "test_window.h"
#include "thread_dumps.h"
#include "thread_leaks.h"
#include "wait_findings.h"

#ifndef LOCKSCOPE_VERSION
#define LOCKSCOPE_VERSION "unknown"
#endif

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

constexpr uint64_t kAssignmentsPerCycle = 50'000;
constexpr uint64_t kAssignmentsPerTrace = 2'000'000;

const char* ModeName(LockMode mode) { return mode == LockMode::kShared ? "shared" : "exclusive"; }

std::string LockAction(LockMode mode, const std::string& name) {
  return fmt::format("{}({})", mode == LockMode::kShared ? "rlock" : "lock", name);
}

// Index of `lock_id` in f->locks, appending a reference when it is not there yet.
int LockIndex(FindingContext& ctx, Finding* f, uint32_t lock_id) {
  for (size_t i = 0; i < f->locks.size(); ++i) {
    if (f->locks[i].lock_id == lock_id) return static_cast<int>(i);
  }
  f->locks.push_back(ctx.MakeLockRef(lock_id));
  return static_cast<int>(f->locks.size()) - 1;
}

// The cycle was observed live: every edge's thread is blocked on `to` while holding `from`.
bool CycleHung(const Trace& trace, const std::vector<uint32_t>& cycle) {
  for (size_t i = 0; i < cycle.size(); ++i) {
    uint32_t from = cycle[i];
    uint32_t to = cycle[(i + 1) % cycle.size()];
    bool found = std::any_of(trace.slots.begin(), trace.slots.end(), [&](const SlotSnapshot& s) {
      return s.state == tf::ThreadState::kBlocked && s.wait_kind == tf::WaitKind::kLock &&
             s.wait_lock_id == to &&
             std::any_of(s.held.begin(), s.held.end(),
                         [&](const HeldLock& h) { return h.lock_id == from; });
    });
    if (!found) return false;
  }
  return true;
}

EdgeEvidence MakeEdge(FindingContext& ctx, Finding* f, const LockEdge& edge, const Witness& w,
                      int from, int to) {
  EdgeEvidence e;
  e.from = from;
  e.to = to;
  e.from_mode = ModeName(w.from_mode);
  e.to_mode = ModeName(w.to_mode);
  e.tid = w.tid;
  e.count = edge.TotalCount();
  e.try_acquire = w.try_acquire;
  e.acquire_stack = ctx.StackOf(w.acquire_stack_id);
  e.held_stack = ctx.StackOf(w.held_stack_id);
  for (const HeldLock& h : w.also_held) e.also_held.push_back(LockIndex(ctx, f, h.lock_id));
  return e;
}

// lockdep's "possible unsafe locking scenario": each thread takes its first lock, then each asks
// for the next one; the last request closes the circle.
void AddScenario(Finding* f) {
  std::vector<std::string> names;
  for (int i = 0; i < f->cycle_locks; ++i)
    names.push_back(FindingContext::ShortLockName(f->locks[i]));
  for (const EdgeEvidence& e : f->edges) {
    LockMode mode = e.from_mode == "shared" ? LockMode::kShared : LockMode::kExclusive;
    f->scenario.push_back({e.tid, LockAction(mode, names[e.from])});
  }
  for (size_t i = 0; i < f->edges.size(); ++i) {
    const EdgeEvidence& e = f->edges[i];
    LockMode mode = e.to_mode == "shared" ? LockMode::kShared : LockMode::kExclusive;
    bool last = i + 1 == f->edges.size();
    f->scenario.push_back(
        {e.tid, LockAction(mode, names[e.to]) + (last ? " <- deadlock" : " <- waits")});
  }
}

std::string CycleStory(FindingContext& ctx, const Finding& f) {
  std::string story;
  for (const EdgeEvidence& e : f.edges) {
    std::string at = FindingContext::Where(e.acquire_stack);
    std::string held_at = FindingContext::Where(e.held_stack);
    story +=
        fmt::format("Thread {} acquired {}{} while holding {}{}. ", ctx.ThreadLabel(e.tid),
                    FindingContext::ShortLockName(f.locks[e.to]), at.empty() ? "" : " at " + at,
                    FindingContext::ShortLockName(f.locks[e.from]),
                    held_at.empty() ? "" : " (taken at " + held_at + ")");
  }
  story +=
      "If these threads run at the same time, each can wait for a lock another one holds, "
      "and none of them ever proceeds. Take these locks in one global order everywhere "
      "(for example always ";
  story += FindingContext::ShortLockName(f.locks[0]) + " first).";
  if (f.hung) story += " The process was observed hung in exactly this state.";
  return story;
}

Finding MakeCycleFinding(FindingContext& ctx, const LockGraph& graph,
                         const std::vector<uint32_t>& cycle, const Feasibility& feasible) {
  Finding f;
  f.kind = FindingKind::kLockOrderCycle;
  f.severity = "error";
  f.pid = ctx.trace().pid;
  f.trace_path = ctx.trace().path;
  for (uint32_t id : cycle) f.locks.push_back(ctx.MakeLockRef(id));
  f.cycle_locks = static_cast<int>(cycle.size());
  std::set<uint32_t> tids;
  std::vector<uint32_t> tid_order;
  for (size_t i = 0; i < cycle.size(); ++i) {
    int next = static_cast<int>((i + 1) % cycle.size());
    const LockEdge* edge = graph.FindEdge(cycle[i], cycle[next]);
    const Witness& w = *feasible.witnesses[i];
    f.edges.push_back(MakeEdge(ctx, &f, *edge, w, static_cast<int>(i), next));
    if (tids.insert(w.tid).second) tid_order.push_back(w.tid);
  }
  for (uint32_t tid : tid_order) f.threads.push_back(ctx.MakeThreadRef(tid));
  std::string path;
  for (int i = 0; i <= f.cycle_locks; ++i) {
    path += (i ? " => " : "") + FindingContext::ShortLockName(f.locks[i % f.cycle_locks]);
  }
  f.summary =
      fmt::format("potential deadlock: lock-order cycle between {} locks ({})", cycle.size(), path);
  f.hung = CycleHung(ctx.trace(), cycle);
  for (size_t i = 0; i < cycle.size(); ++i) {  // closed when its newest edge first appeared
    const LockEdge* edge = graph.FindEdge(cycle[i], cycle[(i + 1) % cycle.size()]);
    if (edge != nullptr && !edge->witnesses.empty()) {
      f.seq = std::max(f.seq, edge->witnesses.front().seq);
    }
  }
  AddScenario(&f);
  f.story = CycleStory(ctx, f);
  return f;
}

std::string SuppressionReason(FindingContext& ctx, const std::vector<uint32_t>& cycle,
                              const Feasibility& result) {
  auto name = [&](uint32_t id) { return FindingContext::ShortLockName(ctx.MakeLockRef(id)); };
  if (result.reason_id == "try-lock") {
    uint32_t from = cycle[result.try_edge];
    uint32_t to = cycle[(result.try_edge + 1) % cycle.size()];
    return fmt::format(
        "{} is only try-locked or timed-locked while {} is held; such an attempt "
        "gives up instead of waiting, so this cycle cannot block",
        name(to), name(from));
  }
  if (result.reason_id == "single-thread") {
    return fmt::format(
        "only thread {} takes these locks in both orders; one thread cannot "
        "deadlock with itself on this cycle",
        ctx.ThreadLabel(result.single_tid));
  }
  if (result.reason_id == "shared-locks") {
    uint32_t waited = cycle[(result.shared_edge + 1) % cycle.size()];
    return fmt::format(
        "{} is only requested in shared mode while the other thread holds it shared; "
        "readers do not block readers, so this cycle cannot close",
        name(waited));
  }
  if (result.reason_id == "gate-lock") {
    bool everywhere =
        std::all_of(result.witnesses.begin(), result.witnesses.end(), [&](const Witness* w) {
          return std::any_of(w->also_held.begin(), w->also_held.end(),
                             [&](const HeldLock& h) { return h.lock_id == result.gate_lock; });
        });
    if (everywhere) {
      return fmt::format(
          "every acquisition in the cycle happens while holding {}, which "
          "serializes them",
          name(result.gate_lock));
    }
    return fmt::format(
        "two of the threads would have to hold {} at the same time for this "
        "cycle to close, so it cannot deadlock",
        name(result.gate_lock));
  }
  if (result.reason_id == "happens-before") {
    return fmt::format(
        "thread {}'s acquisitions happen before thread {}'s (ordered by thread "
        "create/join), so they never overlap",
        ctx.ThreadLabel(result.ordered_tid_a), ctx.ThreadLabel(result.ordered_tid_b));
  }
  if (result.reason_id == "budget") {
    return "not examined: the witness-search budget for this trace was used up by other cycles";
  }
  return "an edge of the cycle is missing from the lock graph (damaged trace)";
}

SuppressedCandidate MakeSuppressed(FindingContext& ctx, const LockGraph& graph,
                                   const std::vector<uint32_t>& cycle, const Feasibility& result) {
  SuppressedCandidate s;
  s.kind = FindingKind::kLockOrderCycle;
  s.reason_id = result.reason_id;
  s.reason = SuppressionReason(ctx, cycle, result);
  if (result.capped) s.reason += " (only the first witness combinations were examined)";
  std::set<uint32_t> tids;
  for (size_t i = 0; i < cycle.size(); ++i) {
    s.locks.push_back(ctx.MakeLockRef(cycle[i]));
    const LockEdge* edge = graph.FindEdge(cycle[i], cycle[(i + 1) % cycle.size()]);
    if (edge == nullptr) continue;
    for (const Witness& w : edge->witnesses) {
      if (tids.insert(w.tid).second) s.tids.push_back(w.tid);
    }
  }
  return s;
}

// A cycle through a binary semaphore that some thread posted without holding it: the semaphore
// hands a token between threads (a signal), so "holding" it orders nothing.
std::optional<SuppressedCandidate> SignallingSemaphore(FindingContext& ctx, const LockGraph& graph,
                                                       const std::vector<uint32_t>& cycle) {
  for (uint32_t id : cycle) {
    const SemSignalInfo* signal = ctx.trace().FindSemSignal(id);
    if (signal == nullptr) continue;
    Feasibility none;
    SuppressedCandidate s = MakeSuppressed(ctx, graph, cycle, none);
    s.reason_id = "semaphore-signal";
    s.reason = fmt::format(
        "{} is a semaphore that thread {} posted without having waited on it (a signal "
        "between threads, not a lock), so the orders it takes part in cannot deadlock",
        FindingContext::ShortLockName(ctx.MakeLockRef(id)), ctx.ThreadLabel(signal->tid));
    return s;
  }
  return std::nullopt;
}

// Report::graph: every edge of `graph` (up to kMaxGraphViewEdges), appended to what other traces
// put there (LockRef carries the pid).
void AddGraphView(FindingContext& ctx, const LockGraph& graph, LockGraphView* view) {
  const Trace& trace = ctx.trace();
  std::map<uint32_t, int> index;  // lock id -> index into view->locks
  auto node = [&](uint32_t lock_id) {
    auto [it, fresh] = index.emplace(lock_id, static_cast<int>(view->locks.size()));
    if (fresh) {
      view->locks.push_back(ctx.MakeLockRef(lock_id));
      auto c = trace.contention.find(lock_id);
      view->wait_ns.push_back(c == trace.contention.end() ? 0 : c->second.wait_total_ns);
    }
    return it->second;
  };
  std::set<uint32_t> tids;
  size_t taken = 0;
  for (const LockEdge& e : graph.edges()) {
    if (taken == kMaxGraphViewEdges) {
      ++view->omitted_edges;
      continue;
    }
    ++taken;
    LockGraphEdge out;
    out.from = node(e.from);
    out.to = node(e.to);
    std::set<uint32_t> edge_tids;
    for (const Witness& w : e.witnesses) edge_tids.insert(w.tid);
    out.tids.assign(edge_tids.begin(), edge_tids.end());
    tids.insert(edge_tids.begin(), edge_tids.end());
    out.count = e.TotalCount();
    if (!e.witnesses.empty()) {
      const Witness& w = e.witnesses.front();
      out.from_mode = w.from_mode == LockMode::kShared ? "shared" : "exclusive";
      out.to_mode = w.to_mode == LockMode::kShared ? "shared" : "exclusive";
      out.acquire_stack = ctx.StackOf(w.acquire_stack_id);
    }
    view->edges.push_back(std::move(out));
  }
  for (uint32_t tid : tids) view->threads.push_back(ctx.MakeThreadRef(tid));
}

void AddCycleFindings(FindingContext& ctx, Report* report, std::vector<std::string>* warnings,
                      bool graph_view) {
  const Trace& trace = ctx.trace();
  LockGraph graph(trace);
  if (graph_view) AddGraphView(ctx, graph, &report->graph);
  HappensBeforeGraph happens_before(trace);
  std::vector<std::vector<int>> adjacency(graph.nodes().size());
  for (size_t v = 0; v < adjacency.size(); ++v) {
    for (int e : graph.OutEdges(static_cast<int>(v))) {
      adjacency[v].push_back(graph.NodeIndex(graph.edges()[e].to));
    }
  }
  CycleResult cycles = FindCycles(adjacency);
  if (cycles.truncated) {
    warnings->push_back(
        fmt::format("the lock graph has too many cycles: only the {} shortest were "
                    "examined",
                    cycles.cycles.size()));
  }
  std::set<uint32_t> writer_preferring;
  for (const auto& [id, lock] : trace.locks) {
    if ((lock.attrs & tf::kAttrPreferWriter) != 0) writer_preferring.insert(id);
  }
  // Witness combinations examined over all cycles of a trace: bounds the worst case (thousands
  // of threads on both sides of hundreds of cycles, all ordered by create/join) to seconds.
  uint64_t budget = kAssignmentsPerTrace;
  std::set<std::vector<uint32_t>> reported;  // lock sets with a finding
  // Lock set -> its first suppressed candidate; dropped at the end if another cycle over the same
  // locks was reported after all.
  std::map<std::vector<uint32_t>, SuppressedCandidate> suppressed;
  std::vector<std::vector<uint32_t>> suppressed_order;
  for (const std::vector<int>& nodes : cycles.cycles) {
    std::vector<uint32_t> cycle;
    for (int n : nodes) cycle.push_back(graph.nodes()[n]);
    std::vector<uint32_t> lock_set = cycle;
    std::sort(lock_set.begin(), lock_set.end());
    if (reported.count(lock_set) != 0) continue;
    if (auto signal = SignallingSemaphore(ctx, graph, cycle)) {
      if (suppressed.count(lock_set) == 0) {
        suppressed.emplace(lock_set, *signal);
        suppressed_order.push_back(lock_set);
      }
      continue;
    }
    Feasibility result =
        CheckCycleFeasibility(graph, CycleContext{cycle, happens_before, writer_preferring},
                              std::min(kAssignmentsPerCycle, budget));
    budget -= std::min(budget, result.assignments);
    if (result.feasible) {
      reported.insert(lock_set);
      report->findings.push_back(MakeCycleFinding(ctx, graph, cycle, result));
    } else if (suppressed.count(lock_set) == 0) {
      suppressed.emplace(lock_set, MakeSuppressed(ctx, graph, cycle, result));
      suppressed_order.push_back(lock_set);
    }
  }
  for (const std::vector<uint32_t>& lock_set : suppressed_order) {
    if (reported.count(lock_set) == 0) report->suppressed.push_back(suppressed.at(lock_set));
  }
}

TraceSummary MakeSummary(const Trace& trace) {
  TraceSummary s;
  s.path = trace.path;
  s.pid = trace.pid;
  s.exe = trace.exe_path;
  s.cmdline = trace.cmdline;
  s.clean_exit = trace.stats.clean_exit;
  s.threads = trace.threads.size();
  s.locks = trace.locks.size();
  s.records = trace.stats.records;
  s.warnings = trace.stats.warnings;
  return s;
}

// Init sites the runtime stopped tracing new locks at (runtime option max_lock_instances): the
// lock graph lacks their later instances, so the report says where and how many were traced.
void AddCappedSiteWarnings(FindingContext& ctx, std::vector<std::string>* warnings) {
  for (const auto& [site, c] : ctx.trace().capped_init_sites) {
    std::string where = FindingContext::Where(ctx.StackOf(c.stack_id));
    if (where.empty()) where = fmt::format("0x{:x}", site);
    const char* kind = c.kind == LockKind::kMutex       ? "mutexes"
                       : c.kind == LockKind::kRwLock    ? "rwlocks"
                       : c.kind == LockKind::kSemaphore ? "semaphores"
                       : c.kind == LockKind::kSpin      ? "spin locks"
                                                        : "locks";
    warnings->push_back(
        fmt::format("more than {} {} initialised at {} were destroyed: later ones were not "
                    "traced (max_lock_instances={}), so lock orders among them are not checked",
                    c.cap, kind, where, c.cap));
  }
}

// Unit-test markers (test_window.h): one test's window only, or every finding attributed.
void ApplyTestWindows(FindingContext& ctx, const AnalyzeOptions& options, size_t first_finding,
                      size_t first_suppressed, Report* report) {
  std::vector<Finding>& findings = report->findings;
  if (options.test_window_begin < options.test_window_end) {
    TestWindow window{options.test_window_begin, options.test_window_end, "", false};
    for (const TestWindow& w : TestWindows(ctx.trace())) {
      if (w.begin == window.begin) window.name = w.name;
    }
    auto outside = [&](const Finding& f) {
      return f.kind != FindingKind::kLockOrderCycle || f.seq <= window.begin ||
             f.seq >= window.end;
    };
    findings.erase(std::remove_if(findings.begin() + first_finding, findings.end(), outside),
                   findings.end());
    report->suppressed.resize(first_suppressed);
    AddTestLeakFindings(ctx, window, &findings);
    for (size_t i = first_finding; i < findings.size(); ++i) findings[i].test = window.name;
    return;
  }
  std::vector<TestWindow> windows = TestWindows(ctx.trace());
  if (windows.empty()) return;
  AttributeToTests(windows, &findings, first_finding);
  for (const TestWindow& w : windows) AddTestLeakFindings(ctx, w, &findings);
}

// A thread a unit test leaked gets its "test-leak" finding (test_window.h); the exit-time report
// (thread_leaks.h) then keeps only the threads no test is blamed for.
void DropLeaksBlamedOnTests(size_t first_finding, Report* report) {
  std::vector<Finding>& findings = report->findings;
  std::set<uint32_t> blamed;
  for (size_t i = first_finding; i < findings.size(); ++i) {
    if (findings[i].subkind != "test-leak") continue;
    for (const ThreadRef& t : findings[i].threads) blamed.insert(t.tid);
  }
  if (blamed.empty()) return;
  for (size_t i = first_finding; i < findings.size(); ++i) {
    Finding& f = findings[i];
    if (f.kind != FindingKind::kLeakedThread || f.subkind == "test-leak") continue;
    f.threads.erase(std::remove_if(f.threads.begin(), f.threads.end(),
                                   [&](const ThreadRef& t) { return blamed.count(t.tid) != 0; }),
                    f.threads.end());
  }
  findings.erase(std::remove_if(findings.begin() + static_cast<std::ptrdiff_t>(first_finding),
                                findings.end(),
                                [](const Finding& f) {
                                  return f.kind == FindingKind::kLeakedThread && f.threads.empty();
                                }),
                 findings.end());
}

void AnalyzeTrace(const Trace& trace, const AnalyzeOptions& options, Report* report) {
  // dl_iterate_phdr reports the main program with an empty name: it is the traced executable.
  std::vector<ModuleInfo> modules = trace.modules;
  for (ModuleInfo& m : modules) {
    if (m.path.empty()) m.path = trace.exe_path;
  }
  SymbolizerOptions symbolizer_options{options.sysroot, options.debug_paths, options.symbolize};
  Symbolizer symbolizer(modules, symbolizer_options);
  FindingContext ctx(trace, &symbolizer);
  TraceSummary summary = MakeSummary(trace);
  AddCappedSiteWarnings(ctx, &summary.warnings);
  summary.threads_at_end = ThreadsAtEnd(ctx);
  summary.thread_dumps = ThreadDumps(ctx);
  summary.dump_signal = trace.dump_signal;
  summary.dump_stood_down = (trace.status_flags & tf::kStatusDumpStoodDown) != 0;
  size_t first_finding = report->findings.size();
  size_t first_suppressed = report->suppressed.size();
  AddCycleFindings(ctx, report, &summary.warnings, options.graph_view);
  if (report->graph.omitted_edges > 0) {
    summary.warnings.push_back(fmt::format(
        "the lock graph has more than {} edges: the picture shows the first {} only",
        kMaxGraphViewEdges, kMaxGraphViewEdges));
  }
  AddMisuseFindings(ctx, &report->findings, &report->suppressed);
  AddRwlockFindings(ctx, HappensBeforeGraph(trace), &report->findings, &report->suppressed);
  AddActualDeadlockFindings(ctx, &report->findings);
  AddCommDeadlockFindings(ctx, &report->findings, &report->suppressed);
  AddLeakedThreadFindings(ctx, &report->findings, &report->suppressed);
  if (options.contention) AddContention(ctx, &report->contention, &report->findings);
  ApplyTestWindows(ctx, options, first_finding, first_suppressed, report);
  DropLeaksBlamedOnTests(first_finding, report);
  if (options.test_window_begin < options.test_window_end) {
    // A test window is read while the process still runs: that it has not exited is no news.
    auto& w = summary.warnings;
    w.erase(std::remove_if(w.begin(), w.end(),
                           [](const std::string& s) {
                             return s.rfind("process did not exit cleanly", 0) == 0;
                           }),
            w.end());
  }
  for (const std::string& w : symbolizer.warnings()) summary.warnings.push_back(w);
  report->traces.push_back(std::move(summary));
}

// Cycles first, shortest first; then the other kinds in the order they were found.
bool FindingBefore(const Finding& a, const Finding& b) {
  bool a_cycle = a.kind == FindingKind::kLockOrderCycle;
  bool b_cycle = b.kind == FindingKind::kLockOrderCycle;
  if (a_cycle != b_cycle) return a_cycle;
  if (a_cycle) return a.cycle_locks < b.cycle_locks;
  return false;
}

}  // namespace

const char* FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kLockOrderCycle:
      return "lock-order-cycle";
    case FindingKind::kActualDeadlock:
      return "actual-deadlock";
    case FindingKind::kRwlockUpgrade:
      return "rwlock-upgrade";
    case FindingKind::kRecursiveReadHazard:
      return "recursive-read-hazard";
    case FindingKind::kCommDeadlock:
      return "comm-deadlock";
    case FindingKind::kLostWakeup:
      return "lost-wakeup";
    case FindingKind::kLeakedThread:
      return "leaked-thread";
    case FindingKind::kApiMisuse:
      return "api-misuse";
    case FindingKind::kDataRace:
      return "data-race";
    case FindingKind::kContention:
      return "contention";
  }
  return "unknown";
}

Report Analyze(const std::vector<Trace>& traces, const AnalyzeOptions& options) {
  Report report;
  report.tool_version = LOCKSCOPE_VERSION;
  for (const Trace& trace : traces) {
    if (!options.group_by_class) {
      AnalyzeTrace(trace, options, &report);
      continue;
    }
    LockClasses classes = ComputeLockClasses(trace);
    AnalyzeTrace(FoldLockClasses(trace, classes), options, &report);
    AnnotateClasses(classes, trace.pid, &report);
  }
  std::stable_sort(report.findings.begin(), report.findings.end(), FindingBefore);
  return report;
}

}  // namespace analysis
}  // namespace lockscope
