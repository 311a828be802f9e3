// watchdog.h — the live deadlock watchdog: a runtime thread that reads the thread-slot table.
//
// What: every `watchdog_ms` (default 200) it copies the live slots and looks for
//   - a cycle of blocked threads in the wait-for graph (lock waits: the thread holding the lock;
//     joins: the joined thread while it runs), or
//   - every live thread blocked in an untimed wait that nothing in the process can end any more
//     (Go's "all goroutines are asleep"): lock waits with an in-process holder, joins, waits on
//     process-private condvars and barriers. A semaphore wait never counts (sem_post is
//     async-signal-safe: a signal handler may be the waker), nor a process-shared object.
// A verdict must hold in two consecutive scans with the same waits (same tids, same wait start
// times) before it is reported, so a slot caught mid-update never raises an alarm. Each verdict is
// reported once: a kWatchdogReport record (so the analyzer knows it was seen live) and a diagnosis
// on stderr (threads, what each waits for, who holds it). With on_deadlock=abort the process then
// aborts; by default it keeps hanging. A thread blocked longer than `block_warn_s` gets one
// warning naming the holder.
// It also serves the dump signal: it sleeps on the dump-request futex instead of nanosleep, and
// writes a thread dump when asked (thread_dump.h).
// Lifecycle: started by the first pthread_create (a single-threaded program gets no extra thread:
// unshare(2), daemon(3) and friends keep working); detached, never joined, it ends with the
// process. A fork child starts its own at its first pthread_create.
// Safety: the watchdog only reads the slots (no lock of the program, no intercepted call, no
// malloc: its scratch memory is mmap'd once); it prints with RawLog. It never slows the lock path,
// which does not know it exists.

#ifndef LOCKSCOPE_RUNTIME_WATCHDOG_H_
#define LOCKSCOPE_RUNTIME_WATCHDOG_H_

#include <pthread.h>

#include "internal/reentry_guard.h"

namespace lockscope {
namespace rt {

using PthreadCreateFn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

// Starts the watchdog once per process with `create` (the real pthread_create); cheap afterwards.
// No-op when watchdog_ms <= 0 or the runtime is not recording.
void MaybeStartWatchdog(const ReentryGuard& g, PthreadCreateFn create);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_WATCHDOG_H_
