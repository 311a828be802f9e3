// rule_inputs.h — what the static rules outside static_analyzer.cpp (annotation_rules.h,
// escape_rules.h) get from the interprocedural analysis: the facts, the must-hold-at-entry
// summaries and a few queries. Internal to static_analysis/.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_RULE_INPUTS_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_RULE_INPUTS_H_

#include <functional>
#include <map>
#include <set>
#include <string>

#include "findings.h"
#include "static_facts.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

struct RuleInputs {
  const ProgramFacts* facts;  // names resolved per translation unit
  const std::map<std::string, std::set<std::string>>* entry_held;  // function key -> locks
  std::function<analysis::LockRef(const std::string&)> lock_ref;
  // True if a callee of `call` in `caller` may acquire `lock` (relock reported elsewhere).
  std::function<bool(const FunctionFacts& caller, const CallFact& call, const std::string& lock)>
      callee_may_acquire;
  // True if the access cannot overlap another thread (before its function starts threads, ...).
  std::function<bool(const FunctionFacts& f, const AccessFact& a)> runs_alone;
  // The first known call site of function `fn` (a key of facts->functions), or nullptr.
  std::function<const SourceLoc*(const std::string& fn)> first_call_site;
};

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_RULE_INPUTS_H_
