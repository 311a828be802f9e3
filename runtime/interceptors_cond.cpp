// pthread_cond_*: a wait is modeled as release of the mutex + blocked + reacquire (policy in
// thread_waits.cpp). signal/broadcast stamp the wake table and keep lost-signal evidence.

#include <pthread.h>

#include "cond_signal.h"
#include "interception.h"
#include "scoped_interceptor.h"

using lockscope::rt::CondWaitOp;
using lockscope::rt::ScopedInterceptor;
namespace rt = lockscope::rt;

using cond_t = pthread_cond_t;
using mutex_t = pthread_mutex_t;
using ts_t = const struct timespec*;

LOCKSCOPE_REAL_DECL(int, pthread_cond_wait, cond_t*, mutex_t*)
LOCKSCOPE_REAL_DECL(int, pthread_cond_timedwait, cond_t*, mutex_t*, ts_t)
LOCKSCOPE_REAL_DECL(int, pthread_cond_clockwait, cond_t*, mutex_t*, clockid_t, ts_t)
LOCKSCOPE_REAL_DECL(int, pthread_cond_signal, cond_t*)
LOCKSCOPE_REAL_DECL(int, pthread_cond_broadcast, cond_t*)
LOCKSCOPE_REAL_DECL(int, pthread_cond_init, cond_t*, const pthread_condattr_t*)
LOCKSCOPE_REAL_DECL(int, pthread_cond_destroy, cond_t*)

namespace lockscope {
namespace rt {
void ResolveCondInterceptors() {
  Resolve_pthread_cond_wait(), Resolve_pthread_cond_timedwait();
  Resolve_pthread_cond_clockwait(), Resolve_pthread_cond_signal();
  Resolve_pthread_cond_broadcast(), Resolve_pthread_cond_init();
  Resolve_pthread_cond_destroy();
}
}  // namespace rt
}  // namespace lockscope

// Note on cancellation: these are cancellation points. The runtime is built without exceptions,
// so a cancelled wait unwinds past our frame without AfterCondWait: the mutex stays out of the
// held set, and the cleanup handler's unlock passes through (the re-entry depth stays raised
// until the thread ends). Both sides agree, and the key destructor records the exit.
LOCKSCOPE_INTERCEPTOR(int, pthread_cond_wait, cond_t* c, mutex_t* m) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_cond_wait)(c, m);
  CondWaitOp op;
  rt::BeforeCondWait(si, si.ts(), &op, c, m, /*timed=*/false, LOCKSCOPE_FRAME());
  int rc = LOCKSCOPE_REAL(pthread_cond_wait)(c, m);
  rt::AfterCondWait(si, si.ts(), &op, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_cond_timedwait, cond_t* c, mutex_t* m, ts_t t) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_cond_timedwait)(c, m, t);
  CondWaitOp op;
  rt::BeforeCondWait(si, si.ts(), &op, c, m, /*timed=*/true, LOCKSCOPE_FRAME());
  int rc = LOCKSCOPE_REAL(pthread_cond_timedwait)(c, m, t);
  rt::AfterCondWait(si, si.ts(), &op, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_cond_clockwait, cond_t* c, mutex_t* m, clockid_t k, ts_t t) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_cond_clockwait)(c, m, k, t);
  CondWaitOp op;
  rt::BeforeCondWait(si, si.ts(), &op, c, m, /*timed=*/true, LOCKSCOPE_FRAME());
  int rc = LOCKSCOPE_REAL(pthread_cond_clockwait)(c, m, k, t);
  rt::AfterCondWait(si, si.ts(), &op, rc);
  return rc;
}

namespace {
// A signal the memo cannot settle (cond_signal.h, CondSignalFast). The guard ends before the
// real call, which calls nothing intercepted.
__attribute__((noinline)) int CondSignalSlow(cond_t* c, bool broadcast, uintptr_t fp) {
  {
    ScopedInterceptor si;
    if (si.active()) rt::OnCondSignal(si, si.ts(), c, broadcast, fp);
  }
  return broadcast ? LOCKSCOPE_REAL(pthread_cond_broadcast)(c)
                   : LOCKSCOPE_REAL(pthread_cond_signal)(c);
}
}  // namespace

// A thread pool signals once per job: the usual signal is settled by CondSignalFast alone.
LOCKSCOPE_INTERCEPTOR(int, pthread_cond_signal, cond_t* c) noexcept {
  const uintptr_t fp = LOCKSCOPE_FRAME();
  if (__builtin_expect(!rt::CondSignalFast(c, fp), 0)) return CondSignalSlow(c, false, fp);
  return LOCKSCOPE_REAL(pthread_cond_signal)(c);
}

LOCKSCOPE_INTERCEPTOR(int, pthread_cond_broadcast, cond_t* c) noexcept {
  const uintptr_t fp = LOCKSCOPE_FRAME();
  if (__builtin_expect(!rt::CondSignalFast(c, fp), 0)) return CondSignalSlow(c, true, fp);
  return LOCKSCOPE_REAL(pthread_cond_broadcast)(c);
}

// init/destroy only reset the condvar -> mutex association (a reused address is a new condvar).
LOCKSCOPE_INTERCEPTOR(int, pthread_cond_init, cond_t* c, const pthread_condattr_t* a) noexcept {
  ScopedInterceptor si;
  if (si.active()) rt::OnCondInitOrDestroy(si, c);
  return LOCKSCOPE_REAL(pthread_cond_init)(c, a);
}

LOCKSCOPE_INTERCEPTOR(int, pthread_cond_destroy, cond_t* c) noexcept {
  ScopedInterceptor si;
  if (si.active()) rt::OnCondInitOrDestroy(si, c);
  return LOCKSCOPE_REAL(pthread_cond_destroy)(c);
}
