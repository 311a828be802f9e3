#include "annotation_rules.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "finding_util.h"

namespace lockscope {
namespace static_analysis {
namespace internal {
namespace {

using analysis::Finding;
using analysis::FindingKind;

// Names are per translation unit after normalization ("g_mu|tu:/src/a.cpp"); declarations name
// the plain lock.
std::string Plain(const std::string& name) { return name.substr(0, name.find(kTuSeparator)); }

enum class Hold { kNone, kShared, kExclusive };

// How `lock` is held at a point: by the point's own held list, or by every caller of `f`.
Hold HeldAt(const RuleInputs& in, const FunctionFacts& f, const std::vector<HeldLock>& held,
            const std::string& lock) {
  Hold h = Hold::kNone;
  for (const HeldLock& l : held) {
    if (Plain(l.lock) == lock) h = l.shared && h != Hold::kExclusive ? Hold::kShared : Hold::kExclusive;
  }
  if (h != Hold::kNone) return h;
  auto entry = in.entry_held->find(f.usr);
  if (entry != in.entry_held->end()) {
    for (const std::string& l : entry->second) {
      // The callers' modes are not tracked: count it held exclusively (a miss, not a false alarm).
      if (Plain(l) == lock) return Hold::kExclusive;
    }
  }
  return Hold::kNone;
}

void Suppress(const RuleInputs& in, FindingKind kind, const std::string& lock,
              const std::string& reason, analysis::Report* report) {
  analysis::SuppressedCandidate s;
  s.kind = kind;
  s.reason_id = "no-thread-safety-analysis";
  s.reason = reason;
  s.locks = {in.lock_ref(lock)};
  report->suppressed.push_back(s);
}

// A static finding of `kind`/`subkind` on `lock`; the caller adds the text and the evidence.
Finding NewFinding(const RuleInputs& in, FindingKind kind, const char* subkind,
                   const char* severity, const std::string& lock) {
  Finding f;
  f.kind = kind;
  f.subkind = subkind;
  f.severity = severity;
  f.locks = {in.lock_ref(lock)};
  f.trace_path = "static";
  return f;
}

struct Violation {
  const FunctionFacts* f = nullptr;
  const AccessFact* a = nullptr;
  bool shared_only = false;  // a write holding the lock shared
};

}  // namespace

void ReportDeclaredGuards(const RuleInputs& in, analysis::Report* report,
                          std::set<std::string>* declared) {
  std::map<std::string, std::vector<Violation>> by_var;
  std::map<std::string, const FunctionFacts*> silenced;  // var -> a NO_THREAD_SAFETY_ANALYSIS fn
  for (const auto& [usr, f] : in.facts->functions) {
    if (f.is_ctor_or_dtor) continue;
    for (const AccessFact& a : f.accesses) {
      auto g = in.facts->declared_guards.find(Plain(a.variable));
      if (g == in.facts->declared_guards.end()) continue;
      declared->insert(a.variable);
      if (g->second.pointee && !a.deref) continue;  // PT_GUARDED_BY: the pointer itself is free
      Hold h = HeldAt(in, f, a.held, g->second.lock);
      const bool bad = h == Hold::kNone || (a.write && h == Hold::kShared);
      if (!bad || in.runs_alone(f, a)) continue;
      if (f.no_thread_safety_analysis) {
        silenced.emplace(a.variable, &f);
        continue;
      }
      by_var[a.variable].push_back(Violation{&f, &a, h == Hold::kShared});
    }
  }
  for (const auto& [var, fn] : silenced) {
    if (by_var.count(var)) continue;
    const std::string& lock = in.facts->declared_guards.at(Plain(var)).lock;
    Suppress(in, FindingKind::kDataRace, lock,
             var + " is declared guarded by " + lock + " and accessed without it in " + fn->name +
                 ", which is marked NO_THREAD_SAFETY_ANALYSIS",
             report);
  }
  for (const auto& [var, violations] : by_var) {
    const DeclaredGuard& g = in.facts->declared_guards.at(Plain(var));
    const Violation* v = &violations.front();
    for (const Violation& x : violations) {
      if (x.a->write && !v->a->write) v = &x;  // a write is the more telling evidence
    }
    const char* what = v->a->write ? "written" : "read";
    const std::string how = v->shared_only ? std::string(" while holding ") + g.lock + " only shared"
                                           : std::string(" without ") + g.lock;
    Finding f = NewFinding(in, FindingKind::kDataRace, "guarded-by-violated", "warning", g.lock);
    f.summary = "data race (static): " + var + " is declared " +
                (g.pointee ? "PT_GUARDED_BY(" : "GUARDED_BY(") + g.lock + ") but " +
                (g.pointee ? std::string("what it points to is ") : std::string()) + what + how +
                " in " + Where(v->a->loc);
    f.story = "The declaration says every access needs " + g.lock + " (" +
              std::to_string(violations.size()) + " access(es) do not hold it" +
              (v->shared_only ? ", or write under a shared hold" : "") +
              "): another thread holding it can be changing " + var + " at the same time. Fix: "
              "take " + g.lock + " there, or call from a function that REQUIRES it.";
    f.extra_stacks = {{ToFrame(g.loc)}, {ToFrame(v->a->loc)}};
    f.extra_stack_titles = {"declared guarded by " + g.lock + " here",
                            std::string(what) + how + " here"};
    report->findings.push_back(f);
  }
}

void ReportCallContracts(const RuleInputs& in, analysis::Report* report) {
  std::set<std::tuple<std::string, std::string, std::string>> seen;  // caller, callee, lock
  for (const auto& [usr, f] : in.facts->functions) {
    if (f.is_ctor_or_dtor) continue;
    for (const CallFact& c : f.calls) {
      for (const HeldLock& r : c.callee_requires) {
        Hold h = HeldAt(in, f, c.held, Plain(r.lock));
        if (h == Hold::kExclusive || (h == Hold::kShared && r.shared)) continue;
        if (!seen.emplace(f.usr, c.callee_usr, r.lock).second) continue;
        const std::string need = std::string(r.shared ? "" : "exclusively ") + "holding " + r.lock;
        if (f.no_thread_safety_analysis) {
          Suppress(in, FindingKind::kDataRace, r.lock,
                   f.name + " calls " + c.callee_name + " (requires " + r.lock + ") without it, "
                   "but is marked NO_THREAD_SAFETY_ANALYSIS", report);
          continue;
        }
        Finding x = NewFinding(in, FindingKind::kDataRace, "requires-not-held", "warning", r.lock);
        x.summary = "data race (static): " + c.callee_name + " requires " + need + ", but " +
                    Where(c.loc) + " calls it " +
                    (h == Hold::kShared ? "holding it only shared" : "without it");
        x.story = c.callee_name + " is declared REQUIRES(" + r.lock + "): it touches data " +
                  r.lock + " guards and trusts its callers to hold it. This caller does not (nor "
                  "do all of its own callers), so the callee races with every thread that takes " +
                  r.lock + ". Fix: take " + r.lock + " around the call.";
        x.extra_stacks = {{ToFrame(c.loc)}, {ToFrame(r.loc)}};
        x.extra_stack_titles = {"called without " + r.lock + " here",
                                "declared REQUIRES(" + r.lock + ") here"};
        report->findings.push_back(x);
      }
      for (const std::string& e : c.callee_excludes) {
        if (HeldAt(in, f, c.held, Plain(e)) == Hold::kNone) continue;
        if (in.callee_may_acquire(f, c, e)) continue;  // the relock finding covers it
        if (!seen.emplace(f.usr, c.callee_usr, "!" + e).second) continue;
        if (f.no_thread_safety_analysis) {
          Suppress(in, FindingKind::kApiMisuse, e,
                   f.name + " calls " + c.callee_name + " (excludes " + e + ") holding it, but "
                   "is marked NO_THREAD_SAFETY_ANALYSIS", report);
          continue;
        }
        Finding x = NewFinding(in, FindingKind::kApiMisuse, "excludes-held", "error", e);
        x.summary = "lock held on a call that excludes it (static): " + c.callee_name +
                    " is declared EXCLUDES(" + e + "), but " + Where(c.loc) + " calls it holding " +
                    e;
        x.story = c.callee_name + "'s declaration says it must not be called with " + e +
                  " held (it takes " + e + " itself, maybe in code not analyzed here): with a "
                  "non-recursive lock that deadlocks on the spot. Fix: release " + e +
                  " before the call, or call a variant that REQUIRES it.";
        x.extra_stacks = {{ToFrame(c.loc)}};
        x.extra_stack_titles = {"called holding " + e + " here"};
        report->findings.push_back(x);
      }
    }
  }
}

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope
