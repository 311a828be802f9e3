// wait_findings.h — findings about threads that are blocked for good, read from the final thread
// slots (the live state the runtime mirrors into the trace file; after SIGKILL or `lockscope run
// --timeout` it is the exact picture at the moment of death).
//
// What: the wait-for graph of the blocked threads. A thread blocked acquiring lock L waits for
// every other thread whose slot holds L in a conflicting mode (an exclusive request conflicts with
// any holder, a shared request with an exclusive holder); a thread blocked in pthread_join waits
// for the joined thread while that thread has not exited. Every strongly connected component of
// two or more threads (Tarjan 1972) is a set of threads none of which can proceed: one
// `actual-deadlock` Finding per component, with one elementary cycle through it as evidence
// (each thread: what it waits for, from where, since when; what it holds and where it took it).
// A thread waiting for a lock it holds itself is the AA case, reported by misuse_findings.h.
// When the runtime's watchdog saw the same threads in a cycle while the process ran
// (kWatchdogReport), the story says so.
// Identity: threads are slot tids; locks are runtime lock ids (named by the FindingContext).
// False positives: a slot is a snapshot, not a transaction; a cycle needs every thread in it to be
// blocked at the same moment, which a torn snapshot of two independent updates rarely fakes.
// Thread-safety: not thread-safe (uses the context's symbolizer). Complexity: O(slots^2 * held).

#ifndef LOCKSCOPE_ANALYZER_WAIT_FINDINGS_H_
#define LOCKSCOPE_ANALYZER_WAIT_FINDINGS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "finding_context.h"
#include "findings.h"
#include "trace_model.h"

namespace lockscope {
namespace analysis {

// One wait-for edge: slot `from` cannot proceed until slot `to` does something.
struct WaitForEdge {
  size_t from = 0;        // index into Trace::slots
  size_t to = 0;          // index into Trace::slots
  uint32_t lock_id = 0;   // the lock `from` waits for and `to` holds; 0 for a join
  // `from` read-requests lock_id, a writer-preferring rwlock, and `to` is a writer queued for it
  // (blocked requesting it exclusively): new readers wait behind queued writers.
  bool behind_writer = false;
};

// The wait-for edges of trace.slots (see above), sorted by (from, to).
std::vector<WaitForEdge> WaitForEdges(const Trace& trace);

// One elementary cycle per strongly connected component of two or more blocked threads, as
// edges in cycle order (edges[i].to == edges[i+1].from), components in slot order.
std::vector<std::vector<WaitForEdge>> BlockedCycles(const Trace& trace);

// What blocked slot `s` (an element of ctx.trace().slots) waits for, for a sentence: "acquiring
// g_mu, held by thread T2", "joining thread T3", "waiting on condition variable 0x.. (its mutex
// g_mu released while waiting)", "waiting at barrier 0x..", "waiting on semaphore 0x..".
std::string DescribeWait(FindingContext& context, const SlotSnapshot& s);

// Every thread still alive at the end of the trace (running or blocked slot), in T<n> order,
// with what it waits for, since when, from where, and the locks it holds (findings.h).
std::vector<ThreadAtEnd> ThreadsAtEnd(FindingContext& context);

// "+1.234 s" after the trace started, or "" when `ns` is unknown (0 or before the start).
std::string SinceTraceStart(const Trace& trace, uint64_t ns);

// True when nothing can have woken the cond/barrier wait of slot `s` since it began: its object's
// wake-table bucket is unchanged (trace_format.h), or for traces without the table, the global
// wake_epoch is. False means it may have been woken and simply not run yet.
bool NoWakeupSince(const Trace& trace, const SlotSnapshot& s);

void AddActualDeadlockFindings(FindingContext& context, std::vector<Finding>* out);

// `comm-deadlock` (subkind "all-threads-asleep"), post mortem: the process did not exit cleanly
// and every thread it had is blocked in a wait nothing in the process can end any more (Go's
// "all goroutines are asleep"): lock waits and joins on a live thread, waits on process-private
// condvars and barriers, waits on channels (pipes, eventfds, socketpairs, user channels) made in
// this process with no fork or spawn since; at least one condvar, barrier or channel wait (else
// actual-deadlock explains it). Never for semaphore waits (a signal handler may post), FIFOs or
// channels another process may hold (kWaitShared), timed waits, or when a started thread has no
// slot (it might be the waker). One Finding with every thread's wait site; for channel waits the
// summary names the channel and the story says who used to write it (channel_waits.h).
//
// `lost-wakeup` replaces it when it explains the hang: a thread blocked (for good, as above) on a
// condvar whose last signal or broadcast came from another thread before the wait began, when
// no thread waited (ThreadSlot::wait_lost_signal_*), and nothing signalled the condvar since (wake
// table). One Finding per such waiter with both stacks (the wait, the lost signal); the
// comm-deadlock then goes to `suppressed` (reason_id "lost-wakeup"). A thread's own signal
// before it waits is never counted (it was not meant for itself). Severity error.
void AddCommDeadlockFindings(FindingContext& context, std::vector<Finding>* out,
                             std::vector<SuppressedCandidate>* suppressed = nullptr);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_WAIT_FINDINGS_H_
