// thread_order.h — what thread creation and joins say about which code runs alone, for the static
// rules (static_analyzer.cpp): a function's creations and joins by line, and the two orderings
// they give (create/join happens-before, as in the dynamic analyzer's happens_before.h).
// Pure functions of line numbers; internal to static_analysis/.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ORDER_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ORDER_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "static_facts.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

// Thread creations and joins of a function by line, its own and those of the functions it calls
// (a call of Start() that creates the workers is a creation, one of Shutdown() that joins them a
// join).
struct ThreadEvents {
  std::set<int> spawns, joins;
  // Park handshakes (waits until the threads announce they parked, see ParkAnnouncements) and
  // notifications, which may wake parked threads again.
  std::set<int> handshakes, wakes;
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

// (variable, mutex) -> functions that write the variable holding the mutex and then, later in the
// same function, wait on a condition variable with that mutex: "I am idle" announced as the thread
// parks (`++idle_; pthread_cond_wait(&work_, &mu_);`). A thread that made the announcement stays
// parked until notified, so the announced state means "these threads are not running".
using Announcements = std::map<std::pair<std::string, std::string>, std::set<std::string>>;
Announcements ParkAnnouncements(const ProgramFacts& facts);

// Lines of `f`'s park handshakes: waits whose predicate reads a variable another function
// announces under the wait's mutex (`while (idle_ < kWorkers) pthread_cond_wait(&drained_, &mu_)`).
// A bare wait, or one for state written by threads that keep running (`started_ = true;` and
// on to work), is no handshake: it orders nothing after the notification.
std::set<int> HandshakeLines(const FunctionFacts& f, const Announcements& announced);

// True if `line` follows a park handshake that follows every thread creation of the function
// (there may be none: the threads are somebody else's), with no notification between the two:
// everything the parked threads did happens before the handshake, and they run again only when
// woken.
bool OrderedByHandshake(const ThreadEvents& e, int line);

// True if code at `lines` (thread bodies defined there, sorted) never runs at the same time: between
// each two there is a join after which every thread created so far (`spawns`) is joined
// (`std::thread a(A); a.join(); std::thread b(B);`).
bool RunOneAfterAnother(const std::set<int>& lines, const std::vector<int>& spawns,
                        const std::vector<int>& joins);

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ORDER_H_
