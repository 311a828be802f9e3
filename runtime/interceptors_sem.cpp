// sem_* and pthread_barrier_wait: the slot shows the wait while the thread is inside the real
// call. A binary semaphore (sem_init value 1) is also a lock: sem_wait acquires it, sem_post by
// the same thread releases it, until some thread posts it without holding it (it signals then;
// rt::BeforeSemPost). Counting semaphores, named ones (sem_open) and signalling ones are waits
// only.

#include <pthread.h>
#include <semaphore.h>

#include <cerrno>

#include "interception.h"
#include "lock_table.h"
#include "scoped_interceptor.h"

using lockscope::rt::ScopedInterceptor;
using lockscope::trace::LockKind;
using lockscope::trace::LockMode;
using lockscope::trace::WaitKind;
namespace rt = lockscope::rt;

using ts_t = const struct timespec*;

LOCKSCOPE_REAL_DECL(int, sem_init, sem_t*, int, unsigned)
LOCKSCOPE_REAL_DECL(int, sem_destroy, sem_t*)
LOCKSCOPE_REAL_DECL(int, sem_wait, sem_t*)
LOCKSCOPE_REAL_DECL(int, sem_timedwait, sem_t*, ts_t)
LOCKSCOPE_REAL_DECL(int, sem_clockwait, sem_t*, clockid_t, ts_t)
LOCKSCOPE_REAL_DECL(int, sem_trywait, sem_t*)
LOCKSCOPE_REAL_DECL(int, sem_post, sem_t*)
LOCKSCOPE_REAL_DECL(int, pthread_barrier_wait, pthread_barrier_t*)

namespace lockscope {
namespace rt {
void ResolveSemInterceptors() {
  Resolve_sem_init(), Resolve_sem_destroy();
  Resolve_sem_wait(), Resolve_sem_timedwait(), Resolve_sem_clockwait();
  Resolve_sem_trywait(), Resolve_sem_post(), Resolve_pthread_barrier_wait();
}
}  // namespace rt
}  // namespace lockscope

LOCKSCOPE_INTERCEPTOR(int, sem_init, sem_t* s, int pshared, unsigned value) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(sem_init)(s, pshared, value);
  if (si.active() && rc == 0 && value == 1 && pshared == 0) {
    rt::AfterLockInit(si, si.ts(), s, LockKind::kSemaphore, LOCKSCOPE_CALLER());
  }
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, sem_destroy, sem_t* s) noexcept {
  ScopedInterceptor si;
  // Also for a semaphore that is no lock (BeforeLockDestroy finds none and returns): one that
  // is untracked (max_lock_instances) must be retired.
  if (si.active()) rt::BeforeLockDestroy(si, si.ts(), s, LockKind::kSemaphore);
  return LOCKSCOPE_REAL(sem_destroy)(s);
}

LOCKSCOPE_INTERCEPTOR(int, sem_wait, sem_t* s) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(sem_wait)(s);
  if (rt::SemAsLock(si.ts(), s)) {
    // The mutex protocol: a failed trywait probe means the thread really waited.
    rt::AcquireOp op;
    rt::BeginAcquire(si, si.ts(), &op, s, LockKind::kSemaphore, LockMode::kExclusive);
    int rc = LOCKSCOPE_REAL(sem_trywait)(s);
    if (rc != 0 && errno == EAGAIN) {
      rt::BeginBlockedAcquire(si, si.ts(), &op, WaitKind::kSem);
      rc = LOCKSCOPE_REAL(sem_wait)(s);
      rt::EndBlockedAcquire(si, si.ts(), &op);
    }
    const int err = errno;
    rt::EndAcquire(si, si.ts(), &op, rc == 0 ? 0 : err);
    errno = err;
    return rc;
  }
  rt::BeginObjectWait(si, si.ts(), WaitKind::kSem, s);
  int rc = LOCKSCOPE_REAL(sem_wait)(s);
  rt::EndObjectWait(si, si.ts());
  return rc;
}

// Timed waits on a binary semaphore are timed acquisitions: they give up, so they order nothing.
static int TimedSemWait(ScopedInterceptor& si, sem_t* s, int (*wait)(sem_t*, clockid_t, ts_t),
                        clockid_t clock, ts_t t) {
  const bool as_lock = rt::SemAsLock(si.ts(), s);
  rt::BeginObjectWait(si, si.ts(), WaitKind::kSem, s, /*timed=*/true);
  int rc = wait(s, clock, t);
  const int err = errno;
  rt::EndObjectWait(si, si.ts());
  if (as_lock) {
    rt::OnTryAcquire(si, si.ts(), s, LockKind::kSemaphore, LockMode::kExclusive,
                     lockscope::trace::kAcqTimed, rc == 0 ? 0 : err);
  }
  errno = err;
  return rc;
}

static int SemTimedwaitAdapter(sem_t* s, clockid_t, ts_t t) {
  return LOCKSCOPE_REAL(sem_timedwait)(s, t);
}

LOCKSCOPE_INTERCEPTOR(int, sem_timedwait, sem_t* s, ts_t t) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(sem_timedwait)(s, t);
  return TimedSemWait(si, s, SemTimedwaitAdapter, CLOCK_REALTIME, t);
}

LOCKSCOPE_INTERCEPTOR(int, sem_clockwait, sem_t* s, clockid_t c, ts_t t) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(sem_clockwait)(s, c, t);
  return TimedSemWait(si, s, LOCKSCOPE_REAL(sem_clockwait), c, t);
}

LOCKSCOPE_INTERCEPTOR(int, sem_trywait, sem_t* s) noexcept {
  ScopedInterceptor si;
  if (!si.active() || !rt::SemAsLock(si.ts(), s)) return LOCKSCOPE_REAL(sem_trywait)(s);
  int rc = LOCKSCOPE_REAL(sem_trywait)(s);
  const int err = errno;
  rt::OnTryAcquire(si, si.ts(), s, LockKind::kSemaphore, LockMode::kExclusive,
                   lockscope::trace::kAcqTry, rc == 0 ? 0 : err);
  errno = err;
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, sem_post, sem_t* s) noexcept {
  ScopedInterceptor si;
  if (si.active()) rt::BeforeSemPost(si, si.ts(), s);
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
