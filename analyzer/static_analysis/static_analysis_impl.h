// static_analysis_impl.h — the StaticAnalysis pass, shared by static_analyzer.cpp (facts, call
// graph, lock-order edges) and static_findings.cpp (what is reported from them). Internal.
#ifndef LOCKSCOPE_STATIC_ANALYSIS_IMPL_H_
#define LOCKSCOPE_STATIC_ANALYSIS_IMPL_H_

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "finding_util.h"
#include "static_analyzer.h"
#include "thread_order.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::Frame;
using analysis::LockRef;
using analysis::Report;
using analysis::Stack;

// How a lock is reached from a function: the sites, innermost (the acquisition) first, then each
// call site outward.
struct Chain {
  std::vector<SourceLoc> sites;
  bool on_this = true;  // every link stays on the same object
};

struct MayAcquire {
  std::string lock;
  bool shared = false;
  Chain chain;
};

// "`to` is acquired (through `chain`) while `from` is held (taken at `held_loc`)".
struct StaticEdge {
  std::string from, to;
  bool from_shared = false, to_shared = false;
  SourceLoc held_loc;
  Chain chain;
  std::set<std::string> also_held;
  std::string function;   // key of the function where the edge is made
  bool declared = false;  // ACQUIRED_BEFORE/AFTER: the order the source declares, not a path
};

Stack ToStack(const std::vector<SourceLoc>& sites);

// Names resolved per translation unit: a global defined in several programs' main files.
ProgramFacts Normalize(const ProgramFacts& in);

// Removes the translation-unit qualifiers (kTuSeparator + path) from a report's strings.
void StripTuKeys(Report* r);

class StaticAnalysis {
 public:
  explicit StaticAnalysis(const ProgramFacts& facts) : facts_(Normalize(facts)) {}

  Report Run() {
    BuildCallGraph();
    ComputeThreadEvents();
    ComputeMayAcquire();
    ComputeEntryHeld();
    CollectEdges();
    ReportCycles();
    ReportSelfEdges();
    ReportAnnotated();  // before the races: stored views and GUARDED_BY explain races
    ReportRaces();
    // No TraceSummary: a static report covers no process. Files that failed to parse are in
    // ProgramFacts::failed_files for the caller to print.
    StripTuKeys(&report_);
    return std::move(report_);
  }

 private:
  void BuildCallGraph();
  void ComputeThreadEvents();
  std::vector<const FunctionFacts*> Callees(const FunctionFacts& caller,
                                            const CallFact& call) const;
  void ComputeMayAcquire();
  void ComputeEntryHeld();
  void AddEdge(const StaticEdge& e);
  void CollectEdges();
  void ReportCycles();
  void OrderedPaths(const std::vector<StaticEdge>& edges, std::string* id,
                    std::string* reason) const;
  void ReportSelfEdges();
  void ReportRaces();
  void ReportAnnotated();  // escapes and the attribute rules

  bool RunsAlone(const FunctionFacts& f, const AccessFact& a) const;
  bool LineRunsAlone(const FunctionFacts& f, int line) const;
  LockRef Lock(const std::string& id) const;
  Finding EdgeFinding(FindingKind kind, const std::vector<StaticEdge>& edges) const;

  const ProgramFacts facts_;  // names resolved per translation unit (Normalize)
  std::map<std::string, std::vector<std::string>> by_usr_;  // plain USR -> function keys
  Report report_;
  std::map<std::string, std::vector<std::string>> overriders_;  // base USR -> overriding USRs
  // callee USR -> (caller, call site)
  std::map<std::string, std::vector<std::pair<const FunctionFacts*, const CallFact*>>> callers_;
  std::map<std::string, std::map<std::pair<std::string, bool>, MayAcquire>> may_;
  std::map<std::string, std::set<std::string>> entry_held_;
  std::map<std::tuple<std::string, std::string, bool, bool>, StaticEdge> edges_;
  std::map<std::string, SourceLoc> first_site_;  // lock -> first acquisition seen
  std::set<std::string> exclusively_taken_;
  std::map<std::string, SourceLoc> exclusive_site_;  // lock -> first exclusive acquisition
  std::set<std::string> spawning_tus_;  // translation units with a thread creation somewhere
  std::map<std::string, ThreadEvents> thread_events_;  // function key -> creations and joins
  std::set<std::string> alone_;  // functions only ever called where no other thread runs
  std::set<std::string>
      explained_vars_;  // reported by a more specific rule (stored view, GUARDED_BY)
};

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_STATIC_ANALYSIS_IMPL_H_
