// thread_leaks.h — `leaked-thread` findings (C++'s missing goleak): threads the program started
// and never finished with.
//
// What: only for a trace whose process exited cleanly (kStatusCleanExit; a hung or killed
// process is the business of wait_findings.h). A thread the program created (kThreadStart with a
// parent) that was neither joined nor detached is leaked when
//   - "blocked":    it was still blocked at exit (its slot: on what, from where, since when, what
//                   it held) — a worker the shutdown never woke; severity error;
//   - "running":    it was still running at exit, or its wait may have ended just before (a
//                   condvar/barrier wake-up since, a lock without holder) — a worker that
//                   never saw the stop request; severity warning;
//   - "not-joined": it finished, but nothing joined it (its stack and descriptor stay allocated
//                   until the process ends: a leak per thread in a long-running program);
//                   severity warning.
// Threads with the same creation site, start routine, subkind and wait site are one Finding (a
// pool of 64 identical workers is one report, with every thread listed). Each Finding carries
// the threads with their creation stacks (ThreadRef::create_stack), the wait stack and the stacks
// of the locks a blocked thread held.
// Not reported, with a SuppressedCandidate saying why: threads alive at exit that were detached
// (reason_id "detached": a detached thread may outlive main by design), threads a runtime library
// started for itself (sanitizer background threads, OpenMP/TBB pools: "runtime-thread", decided
// by the module of the first creation frame outside libc), threads whose creation
// the runtime did not see (no parent: "unknown-origin", their detach state is unknown), and
// everything when records are missing ("incomplete-trace": a lost join record would invent a
// leak). The main thread (tid == pid) never leaks. Imported traces (no thread slots, no pid) are
// skipped: they say nothing about thread lifetimes.
// Thread-safety: not thread-safe (uses the context's symbolizer). Complexity: O(threads log n).

#ifndef LOCKSCOPE_ANALYZER_THREAD_LEAKS_H_
#define LOCKSCOPE_ANALYZER_THREAD_LEAKS_H_

#include <vector>

#include "finding_context.h"
#include "findings.h"

namespace lockscope {
namespace analysis {

void AddLeakedThreadFindings(FindingContext& context, std::vector<Finding>* out,
                             std::vector<SuppressedCandidate>* suppressed);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_THREAD_LEAKS_H_
