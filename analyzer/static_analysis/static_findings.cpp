// static_findings.cpp — what the static pass reports from its lock-order edges and accesses:
// cycles, upgrades and recursive reads, the attribute and escape rules, and data races.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "annotation_rules.h"
#include "cycle_finder.h"
#include "escape_rules.h"
#include "static_analysis_impl.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

LockRef StaticAnalysis::Lock(const std::string& id) const {
  LockRef l;
  l.name = id;
  l.name_from_symbol = true;
  auto kind = facts_.lock_kinds.find(id);
  l.kind = kind == facts_.lock_kinds.end() ? "unknown" : kind->second;
  auto site = first_site_.find(id);
  if (site != first_site_.end()) l.first_stack = {ToFrame(site->second)};
  l.lock_id = static_cast<uint32_t>(
      std::distance(facts_.lock_kinds.begin(), facts_.lock_kinds.find(id)) + 1);
  return l;
}

Finding StaticAnalysis::EdgeFinding(FindingKind kind, const std::vector<StaticEdge>& edges) const {
  Finding f;
  f.kind = kind;
  std::map<std::string, int> index;
  auto lock_index = [&](const std::string& id) {
    auto it = index.find(id);
    if (it != index.end()) return it->second;
    int i = static_cast<int>(f.locks.size());
    f.locks.push_back(Lock(id));
    index[id] = i;
    return i;
  };
  for (const StaticEdge& e : edges) {
    EdgeEvidence ev;
    ev.from = lock_index(e.from);
    ev.to = lock_index(e.to);
    ev.from_mode = e.from_shared ? "shared" : "exclusive";
    ev.to_mode = e.to_shared ? "shared" : "exclusive";
    ev.acquire_stack = ToStack(e.chain.sites);
    ev.held_stack = {ToFrame(e.held_loc)};
    for (const std::string& g : e.also_held) ev.also_held.push_back(lock_index(g));
    f.edges.push_back(ev);
  }
  // No threads in a static finding: each edge is a code path that a thread may run. Paths are
  // numbered and named after the function that holds the first lock.
  for (size_t i = 0; i < edges.size(); ++i) {
    const StaticEdge& e = edges[i];
    uint32_t path = static_cast<uint32_t>(i + 1);
    analysis::ThreadRef t;
    t.tid = path;
    t.name = "path " + std::to_string(path) + " (" +
             (e.declared ? "declared order: " + e.from + " before " + e.to : e.held_loc.function) +
             ")";
    f.threads.push_back(t);
    f.edges[i].tid = path;
    f.scenario.push_back({path, std::string(e.from_shared ? "rlock(" : "lock(") + e.from + ")"});
  }
  for (size_t i = 0; i < edges.size(); ++i) {
    const StaticEdge& e = edges[i];
    f.scenario.push_back(
        {static_cast<uint32_t>(i + 1), std::string(e.to_shared ? "rlock(" : "lock(") + e.to + ")"});
  }
  f.trace_path = "static";
  return f;
}

void StaticAnalysis::OrderedPaths(const std::vector<StaticEdge>& edges, std::string* id,
                                  std::string* reason) const {
  // Thread bodies (lambdas) of one function, each started after the previous ones were all
  // joined: `std::thread a(A); a.join(); std::thread b(B);` never runs A and B together.
  const std::string lambda_tag = "@lambda:";
  std::string parent;
  std::set<int> lines;
  for (const StaticEdge& e : edges) {
    size_t at = e.function.find(lambda_tag);
    if (at == std::string::npos) return;
    if (!parent.empty() && parent != e.function.substr(0, at)) return;
    parent = e.function.substr(0, at);
    lines.insert(facts_.functions.at(e.function).loc.line);
  }
  auto p = facts_.functions.find(parent);
  if (p == facts_.functions.end() ||
      !internal::RunOneAfterAnother(lines, p->second.spawn_lines, p->second.join_lines)) {
    return;
  }
  *id = "happens-before";
  *reason = "run in threads of " + p->second.name +
            " that are created one after the other "
            "joined (create/join order)";
}

void StaticAnalysis::ReportCycles() {
  std::vector<std::string> nodes;
  std::map<std::string, int> id;
  for (const auto& [key, e] : edges_) {
    for (const std::string& l : {e.from, e.to}) {
      if (!id.count(l)) {
        id[l] = static_cast<int>(nodes.size());
        nodes.push_back(l);
      }
    }
  }
  std::vector<std::vector<int>> adj(nodes.size());
  for (const auto& [key, e] : edges_) {
    if (e.from != e.to) adj[id[e.from]].push_back(id[e.to]);
  }
  for (const std::vector<int>& cycle : analysis::FindCycles(adj).cycles) {
    std::vector<StaticEdge> chosen;
    for (size_t i = 0; i < cycle.size(); ++i) {
      const std::string& from = nodes[cycle[i]];
      const std::string& to = nodes[cycle[(i + 1) % cycle.size()]];
      // Prefer the variant most likely to block: exclusive acquisition, exclusive hold.
      const StaticEdge* best = nullptr;
      for (bool fs : {false, true}) {
        for (bool ts : {false, true}) {
          auto it = edges_.find(std::make_tuple(from, to, fs, ts));
          if (it != edges_.end() && (best == nullptr || (!ts && best->to_shared))) {
            best = &it->second;
          }
        }
      }
      chosen.push_back(*best);
    }
    // A thread blocks on edge i only if its request conflicts with how the next edge's thread
    // holds that lock: an exclusive request, or an exclusive hold (lockdep's read rules).
    bool can_block = true;
    std::set<std::string> gate = chosen.front().also_held;
    for (size_t i = 0; i < chosen.size(); ++i) {
      const StaticEdge& next = chosen[(i + 1) % chosen.size()];
      can_block &= !chosen[i].to_shared || !next.from_shared;
      std::set<std::string> both;
      std::set_intersection(gate.begin(), gate.end(), chosen[i].also_held.begin(),
                            chosen[i].also_held.end(), std::inserter(both, both.begin()));
      gate = both;
    }
    Finding f = EdgeFinding(FindingKind::kLockOrderCycle, chosen);
    std::string path;
    for (const StaticEdge& e : chosen) path += e.from + " => ";
    path += chosen.front().from;
    std::string ordered_id, ordered_reason;
    if (can_block && gate.empty()) OrderedPaths(chosen, &ordered_id, &ordered_reason);
    if (!can_block || !gate.empty() || !ordered_id.empty()) {
      analysis::SuppressedCandidate s;
      s.kind = FindingKind::kLockOrderCycle;
      s.reason_id = !can_block ? "read-read" : !gate.empty() ? "gate-lock" : ordered_id;
      s.reason = !can_block ? "every lock in the cycle " + path +
                                  " is only read-locked where another path holds it: readers do "
                                  "not block readers"
                 : !gate.empty() ? "every edge of " + path + " is taken while holding " +
                                       *gate.begin() + ", so the paths cannot interleave"
                                 : "the edges of " + path + " " + ordered_reason;
      s.locks = f.locks;
      report_.suppressed.push_back(s);
      continue;
    }
    f.severity = "error";
    f.summary = "potential deadlock (static): lock-order cycle " + path;
    f.story =
        "The source takes these locks in opposite orders on different paths; two threads "
        "running those paths at the same time can each hold one lock and wait for the "
        "next. Each edge shows the call chain that takes the second lock while the first is "
        "held. Fix: pick one global order, or take the locks together with std::scoped_lock.";
    auto declared =
        std::find_if(chosen.begin(), chosen.end(), [](const StaticEdge& e) { return e.declared; });
    if (declared != chosen.end()) {
      f.subkind = "declared-order";
      f.summary += " (against the declared order " + declared->from + " before " + declared->to +
                   ", " + Where(declared->held_loc) + ")";
      f.story =
          "The locks are declared to be taken in one order (ACQUIRED_BEFORE/ACQUIRED_AFTER) "
          "and the source takes them the other way round: a thread that follows the "
          "declared order and one on this path can each hold one lock and wait for the "
          "other. Each code edge shows the call chain that takes the second lock while the "
          "first is held. Fix: take the locks in the declared order (or correct the "
          "declaration).";
    }
    report_.findings.push_back(f);
  }
}

void StaticAnalysis::ReportSelfEdges() {
  for (const auto& [key, e] : edges_) {
    if (e.from != e.to || e.declared) continue;
    const std::string kind = facts_.lock_kinds.count(e.from) ? facts_.lock_kinds.at(e.from) : "";
    if (kind == "recursive_mutex" && !e.from_shared) continue;
    const bool shards = e.from.size() > 2 && e.from.compare(e.from.size() - 2, 2, "[]") == 0;
    if (!e.chain.on_this || shards) {
      analysis::SuppressedCandidate s;
      s.kind = FindingKind::kApiMisuse;
      s.reason_id = "maybe-different-objects";
      s.reason = e.from + " is held at " + Where(e.held_loc) + " and taken again at " +
                 Where(e.chain.sites.front()) +
                 (shards ? ": two elements of one array of locks may be different locks"
                         : " through another object of the same class: they may be different "
                           "locks");
      s.locks = {Lock(e.from)};
      report_.suppressed.push_back(s);
      continue;
    }
    FindingKind fk;
    std::string summary, story;
    const std::string first = Where(e.held_loc), second = Where(e.chain.sites.front());
    if (e.from_shared && !e.to_shared) {
      fk = FindingKind::kRwlockUpgrade;
      summary = "read->write upgrade (static): " + e.from + " is read-locked in " + first +
                " and write-locked again in " + second;
      story = "While holding " + e.from +
              " shared, this call chain requests it exclusively. The "
              "writer waits for all readers to leave, including this thread: a self-deadlock "
              "whenever the path runs (often an error path tests never take). Fix: release the "
              "read lock first, or defer the write (collect, unlock, then modify).";
    } else if (e.from_shared && e.to_shared) {
      if (!exclusively_taken_.count(e.from)) continue;  // no writer anywhere: harmless re-read
      fk = FindingKind::kRecursiveReadHazard;
      summary = "recursive read lock (static): " + e.from + " is read-locked in " + first +
                " and read-locked again in " + second + " while writers exist";
      story =
          "A writer that queues between the two read locks blocks the second one (writer-"
          "preferring rwlocks), while it waits for the first: deadlock. glibc's default "
          "rwlock prefers readers and hides it; std::shared_mutex makes no promise. Fix: pass "
          "the lock state down instead of re-locking.";
    } else {
      fk = FindingKind::kApiMisuse;
      summary = "relock (static): " + e.from + " is locked in " + first + " and locked again in " +
                second + " by the same thread";
      story =
          "A non-recursive lock taken twice by its owner deadlocks at once. Fix: call a "
          "variant that expects the lock held (the ...Locked() convention).";
    }
    Finding f = EdgeFinding(fk, {e});
    if (fk == FindingKind::kApiMisuse) f.subkind = "relock-non-recursive";
    if (fk == FindingKind::kRecursiveReadHazard) {
      // The three-party story: path 1 reads, a writer queues, path 1 reads again behind it.
      const SourceLoc& writer = exclusive_site_.at(e.from);
      analysis::ThreadRef w;
      w.tid = 2;
      w.name = "path 2 (" + writer.function + ")";
      f.threads.push_back(w);
      f.scenario = {{1, "rlock(" + e.from + ")"},
                    {2, "lock(" + e.from + ") <- waits for the reader"},
                    {1, "rlock(" + e.from + ") <- waits behind the writer"}};
      f.extra_stacks = {{ToFrame(writer)}};
      f.extra_stack_titles = {"the writer takes " + e.from + " exclusively here"};
    }
    f.severity = "error";
    f.summary = summary;
    f.story = story;
    report_.findings.push_back(f);
  }
}

bool StaticAnalysis::RunsAlone(const FunctionFacts& f, const AccessFact& a) const {
  return LineRunsAlone(f, a.loc.line);
}

bool StaticAnalysis::LineRunsAlone(const FunctionFacts& f, int line) const {
  if (alone_.count(f.usr)) return true;
  auto e = thread_events_.find(f.usr);
  if (e == thread_events_.end()) return false;
  // `main` with no thread left running by anything it calls runs alone (threads started and
  // joined inside a callee are gone when it returns); so does main of a program with no threads.
  if (f.name == "main" && (!spawning_tus_.count(f.tu) || e->second.spawns.empty())) return true;
  return OrderedByCreateJoin(e->second, line) || internal::OrderedByHandshake(e->second, line);
}

void StaticAnalysis::ReportAnnotated() {
  internal::RuleInputs in;
  in.facts = &facts_;
  in.entry_held = &entry_held_;
  in.lock_ref = [this](const std::string& id) { return Lock(id); };
  in.callee_may_acquire = [this](const FunctionFacts& caller, const CallFact& call,
                                 const std::string& lock) {
    for (const FunctionFacts* g : Callees(caller, call)) {
      auto it = may_.find(g->usr);
      if (it == may_.end()) continue;
      for (const auto& entry : it->second) {
        if (entry.second.lock == lock) return true;
      }
    }
    return false;
  };
  in.runs_alone = [this](const FunctionFacts& f, const AccessFact& a) { return RunsAlone(f, a); };
  in.first_call_site = [this](const std::string& fn) -> const SourceLoc* {
    auto it = callers_.find(fn);
    return it == callers_.end() || it->second.empty() ? nullptr : &it->second.front().second->loc;
  };
  internal::ReportEscapes(in, &report_, &explained_vars_);
  internal::ReportDeclaredGuards(in, &report_, &explained_vars_);
  internal::ReportCallContracts(in, &report_);
}

void StaticAnalysis::ReportRaces() {
  struct Access {
    const FunctionFacts* f;
    const AccessFact* a;
    std::set<std::string> held;
    std::set<std::string> named;  // held without kUnnamedLock: what a finding can name
    std::set<std::string> local;  // function-local locks held: no protection (see below)
  };
  std::map<std::string, std::vector<Access>> by_var;
  for (const auto& [usr, f] : facts_.functions) {
    if (f.is_ctor_or_dtor) continue;
    for (const AccessFact& a : f.accesses) {
      Access x{&f, &a, {}, {}, {}};
      std::set<std::string> held = entry_held_[usr];
      // A function's own mutex (`std::mutex m;` on its stack) guards nothing a field or global
      // needs: other threads reach it only if its address is handed on.
      for (const HeldLock& h : a.held) held.insert(h.lock);
      for (const std::string& l : held) (facts_.local_locks.count(l) ? x.local : x.held).insert(l);
      x.named = x.held;
      x.named.erase(kUnnamedLock);
      by_var[a.variable].push_back(x);
    }
  }
  for (const auto& by_var_entry : by_var) {
    const std::string& var = by_var_entry.first;  // lambdas below capture it (C++17)
    if (explained_vars_.count(var)) continue;
    const std::vector<Access>& accesses = by_var_entry.second;
    const Access* guarded_write = nullptr;
    const Access* local_write = nullptr;  // written under a function-local lock only
    const Access* unguarded = nullptr;
    const Access* silenced = nullptr;
    size_t n_unguarded = 0;
    size_t n_ordered = 0;
    for (const Access& x : accesses) {
      if (x.a->write && !x.named.empty() && guarded_write == nullptr) guarded_write = &x;
      if (x.a->write && x.held.empty() && !x.local.empty() && local_write == nullptr) {
        local_write = &x;
      }
      if (x.held.empty() && RunsAlone(*x.f, *x.a)) {
        ++n_ordered;
        continue;
      }
      if (x.held.empty() && x.f->no_thread_safety_analysis) {
        silenced = &x;
        continue;
      }
      if (x.held.empty()) {
        ++n_unguarded;
        if (unguarded == nullptr || (x.a->write && !unguarded->a->write)) unguarded = &x;
      }
    }
    if (guarded_write != nullptr && unguarded == nullptr && silenced != nullptr) {
      analysis::SuppressedCandidate s;
      s.kind = FindingKind::kDataRace;
      s.reason_id = "no-thread-safety-analysis";
      s.reason = var + " is written under " + *guarded_write->named.begin() +
                 " and accessed "
                 "without it in " +
                 silenced->f->name +
                 ", which is marked "
                 "NO_THREAD_SAFETY_ANALYSIS";
      s.locks = {Lock(*guarded_write->named.begin())};
      report_.suppressed.push_back(s);
      continue;
    }
    if (guarded_write != nullptr && unguarded == nullptr && n_ordered > 0) {
      analysis::SuppressedCandidate s;
      s.kind = FindingKind::kDataRace;
      s.reason_id = "happens-before";
      s.reason = var + ": the accesses without " + *guarded_write->named.begin() +
                 " run where no other thread can: before their function creates threads, after "
                 "it joins them or waits for them to park (a condition-variable handshake), or in "
                 "functions only called from such places";
      s.locks = {Lock(*guarded_write->named.begin())};
      report_.suppressed.push_back(s);
      continue;
    }
    const Access* lockless = nullptr;  // an unguarded access not under a local lock either
    for (const Access& x : accesses) {
      if (x.held.empty() && x.local.empty() && lockless == nullptr) lockless = &x;
    }
    if (guarded_write == nullptr && local_write != nullptr && lockless != nullptr) {
      const std::string& local = *local_write->local.begin();
      analysis::SuppressedCandidate s;
      s.kind = FindingKind::kDataRace;
      s.reason_id = "local-lock";
      s.reason = var + " is written under " + local + " (" + Where(local_write->a->loc) +
                 ") and accessed without it in " + lockless->f->name + ", but " + local +
                 " is a local variable of " + local_write->f->name +
                 ": it guards nothing other threads do";
      s.locks = {Lock(local)};
      report_.suppressed.push_back(s);
      continue;
    }
    if (guarded_write == nullptr || unguarded == nullptr) continue;
    const std::string lock = *guarded_write->named.begin();
    // One finding per root cause: unguarded touches of `var` in a function that already reports a
    // view of `var` escaping its lock are that same bug (the view is used where the lock is gone).
    bool all_explained = std::all_of(accesses.begin(), accesses.end(), [&](const Access& x) {
      return !x.held.empty() || std::any_of(x.f->escapes.begin(), x.f->escapes.end(),
                                            [&](const EscapeFact& e) { return e.variable == var; });
    });
    if (all_explained) {
      analysis::SuppressedCandidate s;
      s.kind = FindingKind::kDataRace;
      s.reason_id = "same-root-cause";
      s.reason = "the unguarded accesses to " + var + " in " + unguarded->f->name +
                 " are the use of a view that escaped " + lock + ", reported as such";
      s.locks = {Lock(lock)};
      report_.suppressed.push_back(s);
      continue;
    }
    Finding f;
    f.kind = FindingKind::kDataRace;
    f.subkind = "unguarded-access";
    f.severity = "warning";
    f.locks = {Lock(lock)};
    f.summary = "data race (static): " + var + " is written under " + lock + " in " +
                Where(guarded_write->a->loc) + " but " +
                (unguarded->a->write ? "written" : "read") + " without any lock in " +
                Where(unguarded->a->loc);
    f.story = var + " is protected by " + lock + " on some paths and by nothing on " +
              std::to_string(n_unguarded) +
              " access(es): a thread can see it half-updated. Fix: "
              "take " +
              lock + " there too, or make it std::atomic if it stands alone.";
    f.extra_stacks = {{ToFrame(guarded_write->a->loc)}, {ToFrame(unguarded->a->loc)}};
    f.extra_stack_titles = {
        "written under " + lock + " here",
        std::string(unguarded->a->write ? "written" : "read") + " without a lock here"};
    f.trace_path = "static";
    report_.findings.push_back(f);
  }
}

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope
