// The shared library's constructor and destructor.
//
// Constructor: resolve every real function once (later calls never enter dlsym), then
// InitRuntime() under the re-entry guard, so whatever libc does for us meanwhile (dlsym's
// allocations, backtrace's dlopen of libgcc_s) passes through.
// Destructor: runs after the program's own destructors and atexit handlers (we were initialized
// before them): records the clean exit.

#include <stdlib.h>

#include "interception.h"
#include "inline_locks.h"
#include "internal/raw_log.h"
#include "runtime.h"

namespace lockscope {
namespace rt {

__thread bool t_in_dlsym __attribute__((tls_model("initial-exec"))) = false;

void ResolveMutexInterceptors();
void ResolveRwlockInterceptors();
void ResolveCondInterceptors();
void ResolveSemInterceptors();
void ResolveThreadInterceptors();
void ResolveSignalInterceptors();
void ResolveFdInterceptors();
MutexFns RealMutexFns();
RwLockFns RealRwLockFns();

namespace {

__attribute__((constructor)) void LockscopeInit() {
  ReentryGuard g;
  ResolveMutexInterceptors();
  ResolveRwlockInterceptors();
  ResolveCondInterceptors();
  ResolveSemInterceptors();
  ResolveThreadInterceptors();
  ResolveSignalInterceptors();
  ResolveFdInterceptors();
  if (InitRuntime(g, getenv("LOCKSCOPE_TRACE"), getenv("LOCKSCOPE_OPTIONS"),
                  reinterpret_cast<const void*>(&LockscopeInit)) &&
      !InlineLocksInit(g_flags.inline_locks, RealMutexFns(), RealRwLockFns(), GetTid()) &&
      g_flags.verbose && g_flags.inline_locks) {
    internal::RawLog("inline_locks: off: the lock functions after lockscope are not glibc's own, "
                     "or glibc's locks differ from what the runtime expects; the hot path calls "
                     "them");
  }
}

__attribute__((destructor)) void LockscopeFini() {
  ReentryGuard g;
  FinishRuntime(g);
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
