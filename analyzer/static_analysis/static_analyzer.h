// static_analyzer.h — interprocedural lock reasoning over ProgramFacts, producing the same
// Findings as the dynamic analyzer (findings.h), so every report format works for both.
//
// Summaries (per function, composed over the call graph; virtual calls also reach every known
// override of the declared method):
//   - may-acquire: the locks a function may take, directly or through calls, each with the shortest
//     call chain that does it (a least fixpoint; chains are found by rounds of relaxation, so the
//     first chain found is a shortest one);
//   - must-hold at entry: the locks held at *every* known call site of a function (intersection;
//     functions nobody calls in the analyzed sources, and lambdas, start with nothing held). This is
//     what makes "FooLocked() touches data without a lock" not a race.
// Findings:
//   - lock-order-cycle: cycles of the static lock-order graph (lock classes named by declaration),
//     each edge with its call chain; cycles whose every edge is a shared acquisition (read-read) or
//     whose edges all hold one common gate lock are suppressed with the reason. A declared order
//     (ACQUIRED_BEFORE/AFTER) is an edge of the graph, so a path against it is a cycle
//     (subkind "declared-order").
//   - rwlock-upgrade: holding L shared, a call chain takes L exclusively.
//   - recursive-read-hazard: holding L shared, a chain takes L shared again, and L is taken
//     exclusively somewhere in the program (a queued writer blocks the second read).
//   - api-misuse/relock-non-recursive: holding non-recursive L, a chain on the same object takes L.
//     Self edges through *another* object of the same class (`a.mu_` then `b.mu_`) are not
//     reported: the two may be different locks.
//   - data-race: (a) a variable written under a lock in one place and accessed with no lock at all
//     elsewhere (constructors and destructors excluded; RacerD's ownership idea in its simplest
//     form); (b) a pointer/reference/iterator into guarded data used after unlock, returned out
//     of the guard's scope, or stored in a field/global read later without the lock or in an
//     out-parameter (stored-view-escapes-lock; a stored view only ever used under the lock is a
//     suppressed candidate).
//   - from Clang thread-safety attributes (annotation_rules.h): guarded-by-violated,
//     requires-not-held, excludes-held; NO_THREAD_SAFETY_ANALYSIS functions report no race.
// What runs alone is no race: accesses before a function's first thread creation or after a join
// that follows its last one, or after a wait for the threads to park with no notification since
// (thread_order.h; creations, joins, handshakes and notifications of callees count at the call),
// in main when
// nothing it calls leaves a thread running, and in functions only called from such places.
// Thread bodies (lambdas) of one function started one after another's join form no cycle.
// Thread-safety: pure function of its input. Complexity: O(F * (A + C) * L) per relaxation round,
// with F functions, A acquisitions, C call sites, L locks; rounds <= longest call chain.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_STATIC_ANALYZER_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_STATIC_ANALYZER_H_

#include "findings.h"
#include "static_facts.h"

namespace lockscope {
namespace static_analysis {

analysis::Report AnalyzeStatic(const ProgramFacts& facts);

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_STATIC_ANALYZER_H_
