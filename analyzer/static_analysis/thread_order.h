// thread_order.h — what thread creation and joins say about which code runs alone, for the static
// rules (static_analyzer.cpp): a function's creations and joins by line, and the two orderings
// they give (create/join happens-before, as in the dynamic analyzer's happens_before.h).
// Pure functions of line numbers; internal to static_analysis/.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ORDER_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ORDER_H_

#include <set>
#include <vector>

namespace lockscope {
namespace static_analysis {
namespace internal {

// Thread creations and joins of a function by line, its own and those of the functions it calls
// (a call of Start() that creates the workers is a creation, one of Shutdown() that joins them a
// join).
struct ThreadEvents {
  std::set<int> spawns, joins;
  // Threads created here may still run when it returns.
  bool LeavesRunning() const {
    return !spawns.empty() && (joins.empty() || *spawns.rbegin() > *joins.rbegin());
  }
};

// True if `line` runs while no thread created by the function can be running: before its first
// thread creation, or after a join that follows its last one. A function that only joins (an
// owner's Shutdown/Finish) has its joined thread done after the join: the threads it joins are
// the ones that touch what it touches next.
bool OrderedByCreateJoin(const ThreadEvents& e, int line);

// True if code at `lines` (thread bodies defined there, sorted) never runs at the same time: between
// each two there is a join after which every thread created so far (`spawns`) is joined
// (`std::thread a(A); a.join(); std::thread b(B);`).
bool RunOneAfterAnother(const std::set<int>& lines, const std::vector<int>& spawns,
                        const std::vector<int>& joins);

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ORDER_H_
