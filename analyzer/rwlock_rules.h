// rwlock_rules.h — reader/writer lock rules that a lock-order graph cannot express, because they
// involve one lock taken twice (lockdep's "recursive read" and read->write upgrade rules).
//
// What:
//   - `rwlock-upgrade` (severity error): a thread holding L shared requests L exclusively
//     (pthread_rwlock_wrlock, std::shared_mutex::lock while a shared_lock is held). A writer waits
//     until every reader has left, and the requesting thread is one of them: it waits for itself.
//     Evidence: the Acquire record the runtime writes before blocking (its held set contains L
//     shared) — both stacks — and, when the run hung, the thread slot blocked on L exclusive while
//     holding L shared (`hung`). A slot in that state without its Acquire record (dropped) still
//     yields the finding. A try/timed write attempt gives up instead of waiting: suppressed with
//     reason_id "try-lock".
//   - `recursive-read-hazard`: a thread holding L shared read-locks L again, and another thread
//     requests L exclusively with a blocking call (anywhere in the trace, or blocked on it in the
//     final thread slots). If the writer queues between the two read locks, the second read waits
//     behind the writer on a writer-preferring rwlock (LockDef attr kAttrPreferWriter): a deadlock,
//     severity "error". On glibc's default (reader-preferring) rwlock the second read is granted,
//     so it is a latent hazard, severity "warning". The finding tells the three-party story: T1
//     reads, T2 queues to write, T1 reads again. `hung` when the slots show the reader blocked on
//     its second read and the writer blocked on L. Candidates are suppressed (never a finding)
//     when the writer cannot overlap the reader's hold: "try-lock" (the second read is a try),
//     "happens-before" (every writer is ordered with the reader by thread create/join) or
//     "gate-lock" (the reader and every writer hold a common lock exclusively).
//   - re-locks that order nothing: a recursive mutex re-locked by its owner (or a reader-preferring
//     rwlock re-read) while holding X never waits, so the lock graph has no X -> L edge. When the
//     trace has an L -> X edge, a naive detector would report the cycle: a SuppressedCandidate
//     (kind lock-order-cycle, reason_id "reentrant") says why lockscope does not.
// One finding per (lock, site of the offending acquisition); repeats add to the edge count.
// Thread-safety: not thread-safe (uses the context's symbolizer).
// Complexity: O(A * H + R * W) for A acquires with H held locks, R recursive reads and W writers
// of the same lock.

#ifndef LOCKSCOPE_ANALYZER_RWLOCK_RULES_H_
#define LOCKSCOPE_ANALYZER_RWLOCK_RULES_H_

#include <vector>

#include "finding_context.h"
#include "findings.h"
#include "happens_before.h"

namespace lockscope {
namespace analysis {

void AddRwlockFindings(FindingContext& context, const HappensBeforeGraph& happens_before,
                       std::vector<Finding>* out, std::vector<SuppressedCandidate>* suppressed);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_RWLOCK_RULES_H_
