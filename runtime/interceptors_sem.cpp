// sem_* and pthread_barrier_wait: the slot shows the wait while the thread is inside the real
// call. trywait/post pass through (hooks for the semaphore-as-lock issue).

#include <pthread.h>
#include <semaphore.h>

#include "interception.h"
#include "scoped_interceptor.h"

using lockscope::rt::ScopedInterceptor;
using lockscope::trace::WaitKind;
namespace rt = lockscope::rt;

using ts_t = const struct timespec*;

LOCKSCOPE_REAL_DECL(int, sem_wait, sem_t*)
LOCKSCOPE_REAL_DECL(int, sem_timedwait, sem_t*, ts_t)
LOCKSCOPE_REAL_DECL(int, sem_clockwait, sem_t*, clockid_t, ts_t)
LOCKSCOPE_REAL_DECL(int, sem_trywait, sem_t*)
LOCKSCOPE_REAL_DECL(int, sem_post, sem_t*)
LOCKSCOPE_REAL_DECL(int, pthread_barrier_wait, pthread_barrier_t*)

namespace lockscope {
namespace rt {
void ResolveSemInterceptors() {
  (void)Real_sem_wait(), (void)Real_sem_timedwait(), (void)Real_sem_clockwait();
  (void)Real_sem_trywait(), (void)Real_sem_post(), (void)Real_pthread_barrier_wait();
}
}  // namespace rt
}  // namespace lockscope

LOCKSCOPE_INTERCEPTOR(int, sem_wait, sem_t* s) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(sem_wait)(s);
  rt::BeginObjectWait(si, si.ts(), WaitKind::kSem, s);
  int rc = LOCKSCOPE_REAL(sem_wait)(s);
  rt::EndObjectWait(si, si.ts());
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, sem_timedwait, sem_t* s, ts_t t) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(sem_timedwait)(s, t);
  rt::BeginObjectWait(si, si.ts(), WaitKind::kSem, s, /*timed=*/true);
  int rc = LOCKSCOPE_REAL(sem_timedwait)(s, t);
  rt::EndObjectWait(si, si.ts());
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, sem_clockwait, sem_t* s, clockid_t c, ts_t t) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(sem_clockwait)(s, c, t);
  rt::BeginObjectWait(si, si.ts(), WaitKind::kSem, s, /*timed=*/true);
  int rc = LOCKSCOPE_REAL(sem_clockwait)(s, c, t);
  rt::EndObjectWait(si, si.ts());
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, sem_trywait, sem_t* s) noexcept {
  return LOCKSCOPE_REAL(sem_trywait)(s);
}

LOCKSCOPE_INTERCEPTOR(int, sem_post, sem_t* s) noexcept {
  return LOCKSCOPE_REAL(sem_post)(s);
}

LOCKSCOPE_INTERCEPTOR(int, pthread_barrier_wait, pthread_barrier_t* b) noexcept {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_barrier_wait)(b);
  rt::BeginObjectWait(si, si.ts(), WaitKind::kBarrier, b);
  int rc = LOCKSCOPE_REAL(pthread_barrier_wait)(b);
  rt::EndObjectWait(si, si.ts());
  return rc;
}
