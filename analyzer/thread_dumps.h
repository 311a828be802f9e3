// thread_dumps.h — the thread dumps of one trace, as findings.h presents them (issue #4).
//
// What: every kThreadDump of the trace (the dump signal, or `lockscope run --timeout` just before
// its kill) becomes a ThreadDump: each thread the dump saw, in T<n> order, with its state
// (running / blocked on what since when), the locks it held with where it took them, and its
// stack: a running thread's own stack, a blocked thread's wait stack, or a note saying why there
// is none (sleeping in the kernel in a system call, blocking the signal, no answer).
// A lock wait names the holder when another thread of the same dump held the lock.
// Not thread-safe (FindingContext). Cost: O(dumps x threads x held locks) plus symbolization.

#ifndef LOCKSCOPE_ANALYZER_THREAD_DUMPS_H_
#define LOCKSCOPE_ANALYZER_THREAD_DUMPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "finding_context.h"
#include "findings.h"

namespace lockscope {
namespace analysis {

std::vector<ThreadDump> ThreadDumps(FindingContext& context);

// "nanosleep" for an x86-64 system call number among the usual blocking ones, else "syscall N".
std::string SyscallName(int32_t nr);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_THREAD_DUMPS_H_
