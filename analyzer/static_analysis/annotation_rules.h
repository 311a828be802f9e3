// annotation_rules.h — the static findings that come from Clang thread-safety attributes
// (thread_annotations.h), checked on the facts after the interprocedural summaries exist:
//   - data-race/guarded-by-violated: a variable declared GUARDED_BY(L) (or what a PT_GUARDED_BY(L)
//     pointer points to) read without L, or written without holding L exclusively. Unlike the
//     inferred rule, no locked write needs to be seen: the declaration names the lock. Held means
//     held at the access, or held by every caller (must-hold at entry), or REQUIRES(L).
//   - data-race/requires-not-held: a call of a REQUIRES(L) function where L is not held (held
//     shared only, for an exclusive requirement).
//   - api-misuse/excludes-held: a call of an EXCLUDES(L) function with L held, when the callee's
//     own body does not show the relock (that one is reported as relock already).
// Constructors and destructors are skipped (the object is not shared yet), as are accesses that
// run alone (RunsAlone). A function marked NO_THREAD_SAFETY_ANALYSIS reports nothing of these:
// each would-be finding becomes a suppressed candidate saying so (reason "no-thread-safety-
// analysis"), visible with --verbose and in JSON.
// Thread-safety: pure functions of their input. Complexity: linear in accesses + call sites.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_ANNOTATION_RULES_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_ANNOTATION_RULES_H_

#include <functional>
#include <map>
#include <set>
#include <string>

#include "findings.h"
#include "rule_inputs.h"
#include "static_facts.h"

namespace lockscope {
namespace static_analysis {
namespace internal {


// Adds the guarded-by findings; `declared` receives every variable with a declared guard (the
// inferred race rule leaves them to this one).
void ReportDeclaredGuards(const RuleInputs& in, analysis::Report* report,
                          std::set<std::string>* declared);
void ReportCallContracts(const RuleInputs& in, analysis::Report* report);

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_ANNOTATION_RULES_H_
