// misuse_findings.h — api-misuse findings from the runtime's Misuse records and thread slots.
//
// What: one Finding (kind kApiMisuse) per distinct (misuse kind, lock/object, site): the runtime
// may report the same mistake in a loop, and a report says it once. Subkinds: "unlock-not-held",
// "unlock-not-owner", "destroy-held", "relock-non-recursive", "exit-holding-lock",
// "cond-two-mutexes"; severity "error" except exit-holding-lock ("warning"). The misuse site is
// extra_stacks[0]. A relock finding is marked hung when a thread slot shows the thread blocked on
// a lock it holds exclusively (the self-deadlock happened); such a slot without a Misuse record
// still yields a relock finding. A relock that did not hang, by a thread whose lock another
// thread had unlocked for it (unlock-not-owner), is the runtime still counting the old owner:
// it goes to `suppressed` (reason_id "after-foreign-unlock"), the unlock-not-owner is reported.
// Thread-safety: not thread-safe (uses the context's symbolizer). Complexity: O(misuses log n).

#ifndef LOCKSCOPE_ANALYZER_MISUSE_FINDINGS_H_
#define LOCKSCOPE_ANALYZER_MISUSE_FINDINGS_H_

#include <vector>

#include "finding_context.h"
#include "findings.h"

namespace lockscope {
namespace analysis {

void AddMisuseFindings(FindingContext& context, std::vector<Finding>* out,
                       std::vector<SuppressedCandidate>* suppressed);

// "unlock-not-held", ... (the Finding::subkind strings).
const char* MisuseSubkind(trace::MisuseKind kind);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_MISUSE_FINDINGS_H_
