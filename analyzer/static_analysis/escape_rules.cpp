#include "escape_rules.h"

#include <algorithm>
#include <set>
#include <string>

#include "finding_util.h"

namespace lockscope {
namespace static_analysis {
namespace internal {
namespace {

using analysis::Finding;
using analysis::FindingKind;

bool EntryHolds(const RuleInputs& in, const std::string& fn, const std::string& lock) {
  auto it = in.entry_held->find(fn);
  return it != in.entry_held->end() && it->second.count(lock) > 0;
}

void ReportStored(const RuleInputs& in, const FunctionFacts& fn, const EscapeFact& e,
                  analysis::Report* report, std::set<std::string>* explained) {
  // Where is the stored view read without the lock? For a field or global: any access to it that
  // does not hold the lock. For an out-parameter: the caller, once this function returned.
  const AccessFact* use = nullptr;
  if (!e.stored_in.empty()) {
    explained->insert(e.stored_in);
    for (const auto& [usr, g] : in.facts->functions) {
      if (g.is_ctor_or_dtor || g.no_thread_safety_analysis) continue;
      for (const AccessFact& a : g.accesses) {
        if (a.variable != e.stored_in || in.runs_alone(g, a) || EntryHolds(in, usr, e.lock) ||
            std::any_of(a.held.begin(), a.held.end(),
                        [&](const HeldLock& h) { return h.lock == e.lock; })) {
          continue;
        }
        if (use == nullptr) use = &a;
      }
    }
    if (use == nullptr) {
      analysis::SuppressedCandidate s;
      s.kind = FindingKind::kDataRace;
      s.reason_id = "used-under-lock";
      s.reason = fn.name + " stores a view into " + e.variable + " in " + e.stored_in +
                 ", but every use of " + e.stored_in + " holds " + e.lock;
      s.locks = {in.lock_ref(e.lock)};
      report->suppressed.push_back(s);
      return;
    }
  } else if (EntryHolds(in, fn.usr, e.lock)) {
    return;  // every caller holds the lock: the out-parameter is read under it
  }
  Finding f;
  f.kind = FindingKind::kDataRace;
  f.subkind = "stored-view-escapes-lock";
  f.severity = "warning";
  f.locks = {in.lock_ref(e.lock)};
  std::string later;
  SourceLoc use_loc;
  if (use != nullptr) {
    use_loc = use->loc;
    later = "; " + e.stored_in + " is " + (use->write ? "written" : "read") + " without " +
            e.lock + " in " + Where(use_loc);
  } else if (const SourceLoc* site = in.first_call_site(fn.usr)) {
    use_loc = *site;
    later = "; the caller " + Where(use_loc) + " gets it after the lock is released";
  }
  f.summary = "data race (static): " + fn.name + " stores a pointer into " + e.variable +
              " (guarded by " + e.lock + ") in " + e.via + " at " + Where(e.taken_loc) + later;
  f.story = "The pointer/iterator/view was computed while " + e.lock + " was held and stored "
            "where it outlives the critical section; whoever reads it later without " + e.lock +
            " may see " + e.variable + " rehashed, erased or reallocated under it. Fix: store a "
            "copy of the value (taken under the lock), or keep every use under " + e.lock + ".";
  f.extra_stacks = {{ToFrame(e.taken_loc)}};
  f.extra_stack_titles = {"stored under " + e.lock + " here"};
  if (use_loc.line > 0) {
    f.extra_stacks.push_back({ToFrame(use_loc)});
    f.extra_stack_titles.push_back(use != nullptr ? "used without the lock here"
                                                  : "received by the caller here");
  }
  f.trace_path = "static";
  report->findings.push_back(f);
}

}  // namespace

void ReportEscapes(const RuleInputs& in, analysis::Report* report,
                   std::set<std::string>* explained) {
  for (const auto& [usr, fn] : in.facts->functions) {
    for (const EscapeFact& e : fn.escapes) {
      if (fn.no_thread_safety_analysis) {
        analysis::SuppressedCandidate s;
        s.kind = FindingKind::kDataRace;
        s.reason_id = "no-thread-safety-analysis";
        s.reason = "a view into " + e.variable + " escapes " + e.lock + " in " + fn.name +
                   " (" + e.how + "), which is marked NO_THREAD_SAFETY_ANALYSIS";
        s.locks = {in.lock_ref(e.lock)};
        report->suppressed.push_back(s);
        continue;
      }
      if (e.how == "stored") {
        ReportStored(in, fn, e, report, explained);
        continue;
      }
      Finding f;
      f.kind = FindingKind::kDataRace;
      f.severity = "warning";
      f.locks = {in.lock_ref(e.lock)};
      if (e.how == "returned") {
        f.subkind = "reference-escapes-lock";
        f.summary = "data race (static): " + fn.name + " returns a reference into " + e.variable +
                    " guarded by " + e.lock + "; the caller uses it after the guard is gone";
      } else {
        f.subkind = "use-after-unlock";
        f.summary = "data race (static): `" + e.via + "` points into " + e.variable +
                    " (guarded by " + e.lock + ") and is used after unlock at " +
                    Where(e.use_loc);
      }
      f.story = "The view was taken while " + e.lock + " was held, but it is dereferenced when "
                "another thread may be modifying " + e.variable + " (rehash, erase, reallocation "
                "invalidate it). Fix: copy the value while holding the lock, or keep the lock "
                "held while the view is used.";
      f.extra_stacks = {{ToFrame(e.taken_loc)}, {ToFrame(e.use_loc)}};
      f.extra_stack_titles = {"view taken under " + e.lock + " here",
                              e.how == "returned" ? "returned here (the guard ends)"
                                                  : "used without the lock here"};
      f.trace_path = "static";
      report->findings.push_back(f);
    }
  }
}

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope
