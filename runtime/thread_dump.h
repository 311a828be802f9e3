// thread_dump.h — thread dumps on demand (issue #4): jstack / Go's SIGQUIT for a C/C++ program.
//
// What: the dump signal (option dump_signal, default 62 = SIGRTMAX-2), sent by a user (`kill -62
// PID`) or by `lockscope run --timeout` just before its SIGKILL, makes the watchdog thread write a
// kThreadDump record and one kThreadDumpThread record per live thread: its state from its slot
// (running, or blocked on what since when), the locks it holds, and a stack. The program goes on.
// How, async-signal-safely:
//   1. The handler only counts the request and wakes the watchdog (a futex on the counter).
//   2. The watchdog copies the live slots. A blocked thread is not disturbed: its stack is where
//      its wait began (the slot has it). A running thread whose kernel state is R (on a CPU or
//      runnable, /proc/self/task/TID/status) is asked for its own stack: the watchdog sets a
//      request in the thread's capture area (one per slot, mmap'd once) and sends it the same
//      signal with rt_tgsigqueueinfo and a cookie; the handler sees the cookie (from our own
//      pid), checks that the area names this thread, and walks its own stack with backtrace()
//      into the area. A thread sleeping in
//      the kernel is not signalled — a handler would end its system call (sleep, poll, sem_wait)
//      with EINTR —, the dump names the system call instead. A thread that does not answer within
//      kAnswerMs is listed without a stack.
//   3. The watchdog interns the stacks, writes the records into its own buffer (the trace file's
//      shared mapping: visible at once), then increments FileHeader::dumps_written.
// backtrace() in a handler: libgcc's unwinder finds FDEs through _dl_find_object (glibc >= 2.35,
// async-signal-safe) and takes no lock unless a JIT registered frames with __register_frame_info;
// its first call (dlopen of libgcc_s, malloc) was made at init (stack_table.h). The handler holds a
// ReentryGuard, so anything it reaches passes our interceptors straight through.
// Standing down: the handler is installed when the watchdog thread starts (a program that never
// creates a thread has neither: the signal keeps its default action there). A program that
// installs its own handler for the signal (sigaction/signal, interceptors_signal.cpp) or ignores
// it, before or after, keeps it: lockscope stands down for that signal for good, says so once,
// sets kStatusDumpStoodDown and clears FileHeader::dump_signal. While ours is installed a program
// that asks for the disposition sees SIG_DFL, what it would see without us.
// Cost: nothing on the lock path.

#ifndef LOCKSCOPE_RUNTIME_THREAD_DUMP_H_
#define LOCKSCOPE_RUNTIME_THREAD_DUMP_H_

#include <signal.h>

#include "event_buffer.h"
#include "internal/reentry_guard.h"

namespace lockscope {
namespace rt {

using SigactionFn = int (*)(int, const struct sigaction*, struct sigaction*);

// Installs the dump handler unless the program handles or ignores the signal (watchdog thread).
void ArmThreadDump();

// True when `sig` is the dump signal (the sigaction/signal interceptors' one branch).
bool IsDumpSignal(int sig);
// sigaction() on the dump signal, on behalf of the program: see "Standing down" above.
int DumpSignalSigaction(int sig, const struct sigaction* act, struct sigaction* old);

// Watchdog: waits up to `ms` for a dump request; true when one is pending.
bool WaitForDumpRequest(long ms);
// Watchdog: writes one thread dump into `buf` (the watchdog's own buffer).
void WriteThreadDump(const ReentryGuard& g, EventBuffer* buf);

// Fork child: no request pending, dump numbering starts again (the child has a new trace).
void ThreadDumpResetAfterFork();

// The part of raw backtrace() frames that belongs to the interrupted program: from the frame
// equal to `pc` (the interrupted instruction, from the signal's ucontext) on, else from the first
// frame after the leading runtime frames and the signal trampoline; then without any runtime
// frames at its start (the thread was interrupted inside an interceptor). Returns the index of
// the first frame kept (== n when none is).
int FirstProgramFrame(const uint64_t* frames, int n, uint64_t pc, uint64_t self_start,
                      uint64_t self_end);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_THREAD_DUMP_H_
