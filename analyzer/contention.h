// contention.h — the contention profile: per-lock counters from the runtime's kLockStats records
// (trace_model.h LockContention), named and ranked, plus a kContention finding per hot lock.
//
// What: one ContentionRow per lock with at least one acquisition, most contended first
// (contended acquisitions, then total wait time, then lock id); a lock is *hot* when at least
// kHotMinContended of its acquisitions waited and they are at least kHotMinPercent of them.
// Each hot lock becomes a Finding (kind kContention, severity "warning") naming the lock, where
// it was first used, and the numbers. Nothing here looks at timing alone: a lock that waited
// rarely is never hot, however long its waits.
// Failure semantics: a trace without kLockStats (killed process, older runtime) adds nothing.
// Complexity: O(locks log locks).

#ifndef LOCKSCOPE_ANALYZER_CONTENTION_H_
#define LOCKSCOPE_ANALYZER_CONTENTION_H_

#include <cstdint>
#include <vector>

#include "finding_context.h"
#include "findings.h"

namespace lockscope {
namespace analysis {

inline constexpr uint64_t kHotMinContended = 1000;
inline constexpr uint64_t kHotMinPercent = 1;

// Appends the trace's rows to `rows` (then re-sorted over all traces) and its hot-lock findings.
void AddContention(FindingContext& ctx, std::vector<ContentionRow>* rows,
                   std::vector<Finding>* findings);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CONTENTION_H_
