// static_analyzer.cpp — the static pass: normalized facts, call graph, what each function may
// acquire, and the lock-order edges (static_findings.cpp reports from them).

#include "static_analyzer.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "static_analysis_impl.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

Stack ToStack(const std::vector<SourceLoc>& sites) {
  Stack s;
  for (const SourceLoc& loc : sites) s.push_back(ToFrame(loc));
  return s;
}

namespace {

// A global name defined in several translation units' main files belongs to several programs:
// inside translation unit `tu` it means that unit's own definition.
std::string ResolveName(const ProgramFacts& facts, const std::string& name, const std::string& tu) {
  auto it = facts.global_definitions.find(name);
  if (it == facts.global_definitions.end() || it->second.size() < 2 || !it->second.count(tu)) {
    return name;
  }
  return name + kTuSeparator + tu;
}

}  // namespace

ProgramFacts Normalize(const ProgramFacts& in) {
  ProgramFacts out = in;
  for (auto& entry : out.functions) {
    FunctionFacts& f = entry.second;  // not a structured binding: lambdas capture it (C++17)
    auto fix = [&](std::string* name) { *name = ResolveName(in, *name, f.tu); };
    auto fix_held = [&](std::vector<HeldLock>* held) {
      for (HeldLock& h : *held) fix(&h.lock);
    };
    for (AcquireFact& a : f.acquires) {
      fix(&a.lock);
      fix_held(&a.held);
      out.lock_kinds.emplace(a.lock, a.lock_kind);
    }
    for (CallFact& c : f.calls) {
      fix_held(&c.held);
      fix_held(&c.callee_requires);
      for (std::string& e : c.callee_excludes) fix(&e);
    }
    for (AccessFact& a : f.accesses) {
      fix(&a.variable);
      fix_held(&a.held);
    }
    for (CondWaitFact& w : f.cond_waits) {
      fix(&w.mutex);
      for (std::string& v : w.predicate) fix(&v);
    }
    for (EscapeFact& e : f.escapes) {
      fix(&e.lock);
      fix(&e.variable);
      if (!e.stored_in.empty()) fix(&e.stored_in);
    }
  }
  for (DeclaredOrder& d : out.declared_order) {
    d.first = ResolveName(in, d.first, d.tu);
    d.second = ResolveName(in, d.second, d.tu);
  }
  return out;
}

// Removes the translation-unit qualifiers (kTuSeparator + path) from a rendered string.
namespace {

void StripTuKeys(std::string* s) {
  for (size_t at; (at = s->find(kTuSeparator)) != std::string::npos;) {
    size_t end = s->find_first_of(" ),;:\n'`\"", at + std::string(kTuSeparator).size());
    // The path ends at a delimiter, but "file.cpp:12"-style text never follows a lock name.
    s->erase(at, (end == std::string::npos ? s->size() : end) - at);
  }
}

}  // namespace

void StripTuKeys(Report* r) {
  for (Finding& f : r->findings) {
    for (std::string* s : {&f.summary, &f.story}) StripTuKeys(s);
    for (LockRef& l : f.locks) StripTuKeys(&l.name);
    for (auto& step : f.scenario) StripTuKeys(&step.action);
    for (std::string& t : f.extra_stack_titles) StripTuKeys(&t);
    for (auto& t : f.threads) StripTuKeys(&t.name);
  }
  for (auto& c : r->suppressed) {
    StripTuKeys(&c.reason);
    for (LockRef& l : c.locks) StripTuKeys(&l.name);
  }
}

void StaticAnalysis::BuildCallGraph() {
  for (const auto& [usr, f] : facts_.functions) {
    by_usr_[usr.substr(0, usr.find(kTuSeparator))].push_back(usr);
    for (const std::string& base : f.overrides) overriders_[base].push_back(usr);
    for (const AcquireFact& a : f.acquires) {
      first_site_.emplace(a.lock, a.loc);
      if (!a.shared) {
        exclusively_taken_.insert(a.lock);
        exclusive_site_.emplace(a.lock, a.loc);
      }
    }
  }
  for (const auto& [usr, f] : facts_.functions) {
    for (const CallFact& c : f.calls) {
      for (const FunctionFacts* g : Callees(f, c)) callers_[g->usr].emplace_back(&f, &c);
    }
  }
}

void StaticAnalysis::ComputeThreadEvents() {
  const internal::Announcements announced = internal::ParkAnnouncements(facts_);
  for (const auto& [usr, f] : facts_.functions) {
    ThreadEvents& e = thread_events_[usr];
    e.spawns.insert(f.spawn_lines.begin(), f.spawn_lines.end());
    e.joins.insert(f.join_lines.begin(), f.join_lines.end());
    e.handshakes = internal::HandshakeLines(f, announced);
    e.wakes.insert(f.wake_lines.begin(), f.wake_lines.end());
  }
  for (int round = 0; round < 16; ++round) {
    bool changed = false;
    for (const auto& [usr, f] : facts_.functions) {
      for (const CallFact& c : f.calls) {
        for (const FunctionFacts* g : Callees(f, c)) {
          if (g->usr == usr) continue;
          const ThreadEvents& ge = thread_events_[g->usr];
          ThreadEvents& e = thread_events_[usr];
          if (ge.LeavesRunning()) {
            changed |= e.spawns.insert(c.loc.line).second;
          } else if (!ge.joins.empty()) {
            changed |= e.joins.insert(c.loc.line).second;
          }
          // Drain() waits for the workers to park: a handshake at the call. A callee that wakes
          // threads after its last handshake (Submit()) wakes them at the call.
          if (!ge.handshakes.empty() &&
              (ge.wakes.empty() || *ge.handshakes.rbegin() > *ge.wakes.rbegin())) {
            changed |= e.handshakes.insert(c.loc.line).second;
          } else if (!ge.wakes.empty()) {
            changed |= e.wakes.insert(c.loc.line).second;
          }
        }
      }
    }
    if (!changed) break;
  }
  for (const auto& [usr, f] : facts_.functions) {
    if (!thread_events_[usr].spawns.empty()) spawning_tus_.insert(f.tu);
  }
  // A function all of whose calls run alone runs alone (FlushStats() called from main before any
  // thread exists). Lambdas and functions nobody calls are thread bodies or entry points: not
  // alone. Only in a program whose threads are seen (a translation unit that creates some):
  // elsewhere the code may be a library whose callers run it on threads made out of sight.
  for (int round = 0; round < 16; ++round) {
    bool changed = false;
    for (const auto& entry : callers_) {
      const std::string& usr = entry.first;  // not a structured binding: the lambda captures it
      const auto& sites = entry.second;
      if (alone_.count(usr) || sites.empty()) continue;
      if (!spawning_tus_.count(facts_.functions.at(usr).tu)) continue;
      bool all = std::all_of(sites.begin(), sites.end(), [&](const auto& site) {
        return site.first->usr != usr && LineRunsAlone(*site.first, site.second->loc.line);
      });
      if (all) changed |= alone_.insert(usr).second;
    }
    if (!changed) break;
  }
}

std::vector<const FunctionFacts*> StaticAnalysis::Callees(const FunctionFacts& caller,
                                                          const CallFact& call) const {
  std::vector<const FunctionFacts*> out;
  auto add = [&](const std::string& key) {
    auto it = facts_.functions.find(key);
    if (it != facts_.functions.end()) out.push_back(&it->second);
  };
  // The callee defined in the caller's own translation unit wins; then a shared (header)
  // definition; then every main-file definition of that USR (another file of the same program —
  // or, ambiguously, of several programs).
  if (facts_.functions.count(call.callee_usr + kTuSeparator + caller.tu)) {
    add(call.callee_usr + kTuSeparator + caller.tu);
  } else if (facts_.functions.count(call.callee_usr)) {
    add(call.callee_usr);
  } else if (auto it = by_usr_.find(call.callee_usr); it != by_usr_.end()) {
    for (const std::string& key : it->second) add(key);
  }
  if (call.is_virtual) {
    auto it = overriders_.find(call.callee_usr);
    if (it != overriders_.end()) {
      for (const std::string& usr : it->second) add(usr);
    }
  }
  return out;
}

void StaticAnalysis::ComputeMayAcquire() {
  for (const auto& [usr, f] : facts_.functions) {
    auto& mine = may_[usr];
    for (const AcquireFact& a : f.acquires) {
      if (a.try_lock) continue;  // a try cannot block: it orders nothing
      mine.emplace(std::make_pair(a.lock, a.shared),
                   MayAcquire{a.lock, a.shared, Chain{{a.loc}, a.on_this}});
    }
  }
  // Relaxation in rounds: a lock found in round k has a chain of k calls, so chains are shortest.
  for (int round = 0; round < 64; ++round) {
    std::vector<std::pair<std::string, MayAcquire>> found;
    for (const auto& [usr, f] : facts_.functions) {
      const auto& mine = may_[usr];
      for (const CallFact& c : f.calls) {
        for (const FunctionFacts* g : Callees(f, c)) {
          for (const auto& [key, m] : may_[g->usr]) {
            if (mine.count(key)) continue;
            MayAcquire copy = m;
            copy.chain.sites.push_back(c.loc);
            copy.chain.on_this = m.chain.on_this && c.on_this;
            found.emplace_back(usr, copy);
          }
        }
      }
    }
    bool changed = false;
    for (auto& [usr, m] : found) {
      changed |= may_[usr].emplace(std::make_pair(m.lock, m.shared), m).second;
    }
    if (!changed) break;
  }
}

void StaticAnalysis::ComputeEntryHeld() {
  // nullopt = "not known yet" (the top of the lattice) for functions that have callers.
  std::map<std::string, std::optional<std::set<std::string>>> entry;
  for (const auto& [usr, f] : facts_.functions) {
    if (callers_.count(usr)) {
      entry[usr] = std::nullopt;
    } else {
      entry[usr] = std::set<std::string>();
    }
  }
  for (int round = 0; round < 64; ++round) {
    bool changed = false;
    for (const auto& [usr, sites] : callers_) {
      std::optional<std::set<std::string>> meet;
      for (const auto& [caller, call] : sites) {
        const auto& caller_entry = entry[caller->usr];
        if (!caller_entry) continue;  // unknown yet: does not constrain
        std::set<std::string> held = *caller_entry;
        for (const HeldLock& h : call->held) held.insert(h.lock);
        if (!meet) {
          meet = held;
        } else {
          std::set<std::string> both;
          std::set_intersection(meet->begin(), meet->end(), held.begin(), held.end(),
                                std::inserter(both, both.begin()));
          meet = both;
        }
      }
      if (meet && entry[usr] != meet) {
        entry[usr] = meet;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (auto& [usr, e] : entry) entry_held_[usr] = e ? *e : std::set<std::string>();
}

void StaticAnalysis::AddEdge(const StaticEdge& e) {
  auto key = std::make_tuple(e.from, e.to, e.from_shared, e.to_shared);
  auto it = edges_.find(key);
  if (it == edges_.end() || e.chain.sites.size() < it->second.chain.sites.size()) {
    edges_[key] = e;
  }
}

void StaticAnalysis::CollectEdges() {
  for (const auto& entry : facts_.functions) {
    const std::string& usr = entry.first;  // not a structured binding: lambdas capture it
    const FunctionFacts& f = entry.second;
    auto edges_from = [&](const std::vector<HeldLock>& held, const std::string& lock, bool shared,
                          const Chain& chain) {
      // Re-locking a recursive mutex its thread holds cannot block: it orders nothing.
      auto kind = facts_.lock_kinds.find(lock);
      if (kind != facts_.lock_kinds.end() && kind->second == "recursive_mutex" &&
          std::any_of(held.begin(), held.end(),
                      [&](const HeldLock& h) { return h.lock == lock; })) {
        return;
      }
      for (const HeldLock& h : held) {
        if (h.lock == kUnnamedLock) continue;
        StaticEdge e{h.lock, lock, h.shared, shared, h.loc, chain, {}, usr};
        for (const HeldLock& other : held) {
          if (other.lock != h.lock && other.lock != kUnnamedLock) e.also_held.insert(other.lock);
        }
        for (const std::string& g : entry_held_[usr]) e.also_held.insert(g);
        AddEdge(e);
      }
    };
    for (const AcquireFact& a : f.acquires) {
      if (!a.try_lock) edges_from(a.held, a.lock, a.shared, Chain{{a.loc}, a.on_this});
    }
    for (const CallFact& c : f.calls) {
      if (c.held.empty()) continue;
      for (const FunctionFacts* g : Callees(f, c)) {
        for (const auto& [key, m] : may_[g->usr]) {
          Chain chain = m.chain;
          chain.sites.push_back(c.loc);
          chain.on_this = m.chain.on_this && c.on_this;
          edges_from(c.held, m.lock, m.shared, chain);
        }
      }
    }
  }
  // The declared order is an edge of the graph too: a path taking the locks the other way round
  // closes a cycle with it. Code edges keep their call chains as evidence (emplace, not replace).
  for (const DeclaredOrder& d : facts_.declared_order) {
    StaticEdge e;
    e.from = d.first;
    e.to = d.second;
    e.held_loc = d.loc;
    e.chain = Chain{{d.loc}, true};
    e.declared = true;
    edges_.emplace(std::make_tuple(e.from, e.to, false, false), e);
  }
}

}  // namespace internal

analysis::Report AnalyzeStatic(const ProgramFacts& facts) {
  return internal::StaticAnalysis(facts).Run();
}

}  // namespace static_analysis
}  // namespace lockscope
