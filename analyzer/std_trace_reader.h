// std_trace_reader.h — import a trace in the STD text format (RAPID and the deadlock-prediction
// literature) into the analyzer's Trace model, so every detector runs on published traces.
//
// Format: one event per line, `THREAD|OP(ARG)|LOC` (three fields split at `|`; LOC may be
// missing). THREAD is any token (`T0`, `T12`); OP is one of
//   acq(L) rel(L) req(L)      monitor L: acquire, release, request (a request with no acquire
//                             after it means the thread was blocked there when the trace ended)
//   fork(T) join(T)           thread creation and join (happens-before, like pthread_create/join)
//   wait(L) notify(L) notifyAll(L)
//   r(X) w(X)                 memory accesses (counted, not analyzed)
//   begin end branch enter(M) exit(M)   RAPID's markers (ignored)
// LOC is a source location: `File.java:42` becomes file:line, anything else (RAPID writes numeric
// location ids) is shown as "loc 42". Blank lines and lines starting with `#` are skipped.
//
// Model (Java semantics): monitors are reentrant: an acquire of a monitor the thread already holds
// only counts (recorded with kAcqReentrant, so it creates no order edge) and the monitor is free
// after as many releases. wait(L) releases L entirely (other threads may take it, the notifier
// must) and the thread takes it back, with its count, at its next event (the wait returned): an
// acquisition of L while holding the thread's other monitors (the nested-monitor hazard). A
// thread still in wait(L) or with an unanswered req(L) at the end of the trace is blocked there
// (a hung program's trace): the post-mortem detectors (wait_findings.h) see it.
// notify/notifyAll change no lock state. fork/join move the
// per-thread epochs exactly as the runtime does for pthread_create/join (trace_format.h), so
// happens_before.h orders them. Threads are numbered in order of first appearance (tid 1, 2, ...),
// the first one being the main thread; a thread nobody joins is marked detached (a Java thread
// needs no join, so it is no leak). Identical acquisitions (same thread, epoch, held set, lock,
// site) are kept once, as in a default-mode lockscope trace, so memory is O(distinct behaviour).
// Events that break the monitor discipline (release of a monitor not held, acquire of a monitor
// another thread holds, wait/notify without holding it) are skipped with a warning in
// ReadStats::warnings (the first few, then a count).
//
// Failure semantics: returns false with a one-line `error` when the file cannot be read. A line
// that does not parse stops the read: `error` is set to "FILE:LINE: problem" and true is returned
// with everything before that line in `out` (partial analysis; the caller reports an input error).
// Thread-safety: reentrant. Complexity: O(file size) time.

#ifndef LOCKSCOPE_ANALYZER_STD_TRACE_READER_H_
#define LOCKSCOPE_ANALYZER_STD_TRACE_READER_H_

#include <istream>
#include <string>

#include "trace_model.h"

namespace lockscope {
namespace analysis {

bool ReadStdTrace(const std::string& path, Trace* out, std::string* error);

// Same, from a stream (`name` is used in messages and as Trace::path).
bool ReadStdTraceFromStream(std::istream& in, const std::string& name, Trace* out,
                            std::string* error);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STD_TRACE_READER_H_
