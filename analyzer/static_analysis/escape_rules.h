// escape_rules.h — data races through views (pointers, references, iterators, string_views,
// spans) into lock-guarded data that escape their critical section, from the EscapeFacts the
// extractor records:
//   - use-after-unlock: a local view used after the lock it was taken under is released;
//   - reference-escapes-lock: returned out of the guard's scope;
//   - stored-view-escapes-lock: stored in a field or global that is read somewhere without the
//     lock (the store and that use are the evidence; if every use holds the lock it is a
//     suppressed candidate, "used-under-lock"), or in an out-parameter (the first caller is named).
// Escapes in NO_THREAD_SAFETY_ANALYSIS functions are suppressed candidates saying so. Variables a
// stored view is kept in go to `explained`: the inferred race rule leaves them to this one.
// Thread-safety: pure function of its input. Complexity: escapes x accesses.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_ESCAPE_RULES_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_ESCAPE_RULES_H_

#include <set>
#include <string>

#include "findings.h"
#include "rule_inputs.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

void ReportEscapes(const RuleInputs& in, analysis::Report* report, std::set<std::string>* explained);

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_ESCAPE_RULES_H_
