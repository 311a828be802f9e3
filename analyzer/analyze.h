// analyze.h — the analyzer's entry point: traces in, a symbolized Report out.
//
// What: runs every detector over each trace (lock-order cycles for now; later issues add rwlock
// rules, waits, leaks, misuse, contention), symbolizes the evidence with libdw and names the locks.
// Traces from different processes are analyzed independently (lock ids are per process).
// Detectors today:
//   - lock-order cycles (lock_graph.h, cycle_finder.h): every elementary cycle up to 8 locks,
//     shortest first, one Finding per distinct lock set; a cycle is reported only when some choice
//     of one witness per edge could deadlock (cycle_feasibility.h), else it becomes a
//     SuppressedCandidate with reason_id "try-lock", "single-thread", "shared-locks",
//     "gate-lock" or "happens-before" (or "budget" / "missing-edge" for pathological and damaged
//     traces); a cycle through a binary semaphore some thread posted without holding it
//     (Trace::sem_signals) is suppressed first with "semaphore-signal";
//   - api misuse from the runtime's Misuse records and the final thread slots
//     (misuse_findings.h); a relock echoing an unlock-not-owner is suppressed with
//     "after-foreign-unlock", misuse of a signalling semaphore with "semaphore-signal";
//   - rwlock rules (rwlock_rules.h): rwlock-upgrade (read -> write on one lock by one thread;
//     a try/timed attempt is suppressed with "try-lock") and recursive-read-hazard (a re-read
//     while another thread can queue to write; suppressed with "try-lock", "happens-before" or
//     "gate-lock" when no writer can queue in between), plus a "reentrant" SuppressedCandidate
//     where a recursive re-lock would fake a cycle for a naive detector.
//   - hangs from the final thread slots (wait_findings.h): actual-deadlock (a cycle in the
//     wait-for graph of blocked threads: lock waits, joins, and new readers queued behind a
//     waiting writer on writer-preferring rwlocks) and comm-deadlock
//     "all-threads-asleep" (every thread blocked for good, one at least on a condvar/barrier);
//     both say when the runtime's watchdog saw the same threads live (kWatchdogReport).
//   - leaked threads at a clean exit (thread_leaks.h): leaked-thread "blocked", "running" and
//     "not-joined"; detached or unknown-origin threads alive at exit are suppressed with
//     "detached" / "unknown-origin", and everything with "incomplete-trace" when records are lost.
// Order of Report::findings: cycles (shorter first), then the other kinds in trace order.
// Locks are named by finding_context.h; TraceSummary::warnings = the reader's ReadStats warnings
// followed by the symbolizer's (one line per module without debug info).
// Failure semantics: never throws on bad trace content; what is missing is said in
// TraceSummary::warnings.
// Thread-safety: not thread-safe; one call at a time per Symbolizer.

#ifndef LOCKSCOPE_ANALYZER_ANALYZE_H_
#define LOCKSCOPE_ANALYZER_ANALYZE_H_

#include <string>
#include <vector>

#include "findings.h"
#include "trace_model.h"

namespace lockscope {
namespace analysis {

struct AnalyzeOptions {
  std::string sysroot;           // prefix for module paths when symbolizing (like heaptrack)
  std::vector<std::string> debug_paths;  // extra debuginfo directories
  bool symbolize = true;         // false: frames keep only pc/module/offset (tests, speed)
  bool group_by_class = false;   // fold lock instances into lockdep classes (lock_classes.h)
  bool contention = false;       // Report::contention rows and kContention findings (contention.h)
  // Unit tests (test_window.h): with a window (begin < end, the seqs of one test's kTestBegin and
  // kTestEnd), report only that test's findings: lock-order cycles that closed inside it and the
  // threads it leaked; suppressed candidates are dropped. Without one, findings are attributed
  // to the tests in the trace (Finding::test) and every test's leaked threads are reported.
  uint64_t test_window_begin = 0;
  uint64_t test_window_end = 0;
  // Fill Report::graph (every lock-order edge with its threads, count and one symbolized site;
  // each lock's total wait) for the SVG/HTML/DOT renderers. Costs a symbolization per edge, so
  // only when a picture is asked for; at most kMaxGraphViewEdges edges per trace.
  bool graph_view = false;
};
inline constexpr size_t kMaxGraphViewEdges = 20000;

Report Analyze(const std::vector<Trace>& traces, const AnalyzeOptions& options);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_ANALYZE_H_
