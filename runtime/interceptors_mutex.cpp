// pthread_mutex_* and pthread_spin_*: thin adapters (policy in thread_state.cpp).

#include <errno.h>
#include <pthread.h>

#include "hot_path.h"
#include "inline_locks.h"
#include "interception.h"
#include "scoped_interceptor.h"

using lockscope::rt::AcquireOp;
using lockscope::rt::ScopedInterceptor;
using lockscope::trace::LockKind;
using lockscope::trace::LockMode;
namespace rt = lockscope::rt;
namespace tr = lockscope::trace;

LOCKSCOPE_REAL_DECL(int, pthread_mutex_lock, pthread_mutex_t*)
LOCKSCOPE_REAL_DECL(int, pthread_mutex_trylock, pthread_mutex_t*)
LOCKSCOPE_REAL_DECL(int, pthread_mutex_timedlock, pthread_mutex_t*, const struct timespec*)
LOCKSCOPE_REAL_DECL(int, pthread_mutex_clocklock, pthread_mutex_t*, clockid_t,
                    const struct timespec*)
LOCKSCOPE_REAL_DECL(int, pthread_mutex_unlock, pthread_mutex_t*)
LOCKSCOPE_REAL_DECL(int, pthread_mutex_init, pthread_mutex_t*, const pthread_mutexattr_t*)
LOCKSCOPE_REAL_DECL(int, pthread_mutex_destroy, pthread_mutex_t*)
LOCKSCOPE_REAL_DECL(int, pthread_spin_lock, pthread_spinlock_t*)
LOCKSCOPE_REAL_DECL(int, pthread_spin_trylock, pthread_spinlock_t*)
LOCKSCOPE_REAL_DECL(int, pthread_spin_unlock, pthread_spinlock_t*)
LOCKSCOPE_REAL_DECL(int, pthread_spin_init, pthread_spinlock_t*, int)
LOCKSCOPE_REAL_DECL(int, pthread_spin_destroy, pthread_spinlock_t*)

namespace lockscope {
namespace rt {
void ResolveMutexInterceptors() {
  Resolve_pthread_mutex_lock(), Resolve_pthread_mutex_trylock();
  Resolve_pthread_mutex_timedlock(), Resolve_pthread_mutex_clocklock();
  Resolve_pthread_mutex_unlock(), Resolve_pthread_mutex_init();
  Resolve_pthread_mutex_destroy(), Resolve_pthread_spin_lock();
  Resolve_pthread_spin_trylock(), Resolve_pthread_spin_unlock();
  Resolve_pthread_spin_init(), Resolve_pthread_spin_destroy();
}
}  // namespace rt
}  // namespace lockscope

namespace {
// pthread_spinlock_t is `volatile int`: the runtime only uses its address.
const void* SpinAddr(pthread_spinlock_t* l) { return const_cast<const int*>(l); }
}  // namespace

// Blocking acquire: the hot path (hot_path.h) when this acquisition repeats a known one; else
// probe with trylock; only EBUSY means we would block (see thread_state.h).
namespace {
__attribute__((noinline)) int MutexLock(pthread_mutex_t* m) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_mutex_lock)(m);
  AcquireOp op;
  rt::BeginAcquire(si, si.ts(), &op, m, LockKind::kMutex, LockMode::kExclusive);
  int rc = LOCKSCOPE_REAL(pthread_mutex_trylock)(m);
  if (rc == EBUSY) {
    rt::BeginBlockedAcquire(si, si.ts(), &op);
    rc = LOCKSCOPE_REAL(pthread_mutex_lock)(m);
    rt::EndBlockedAcquire(si, si.ts(), &op);
  }
  rt::EndAcquire(si, si.ts(), &op, rc);
  return rc;
}

}  // namespace

// A hot acquisition of a busy mutex blocks here (HotFail).
template <>
struct rt::HotBlocking<pthread_mutex_t, MutexLock> {
  static int Call(pthread_mutex_t* m) { return LOCKSCOPE_REAL(pthread_mutex_lock)(m); }
};

namespace {
__attribute__((noinline)) int MutexUnlock(pthread_mutex_t* m) {
  ScopedInterceptor si;
  if (si.active()) rt::BeforeRelease(si, si.ts(), m, LockKind::kMutex);
  return LOCKSCOPE_REAL(pthread_mutex_unlock)(m);
}
}  // namespace

namespace {
// The hot path's trylock: a default mutex is taken inline (inline_locks.h), any other by glibc.
__attribute__((always_inline)) inline int HotMutexTry(pthread_mutex_t* m) {
  if (__builtin_expect(!rt::InlineMutex(m), 0)) return LOCKSCOPE_REAL(pthread_mutex_trylock)(m);
  return rt::InlineMutexTryLock(m, rt::t_tls.state->tid);
}
}  // namespace

namespace lockscope {
namespace rt {
MutexFns RealMutexFns() {
  return {LOCKSCOPE_REAL(pthread_mutex_lock), LOCKSCOPE_REAL(pthread_mutex_trylock),
          LOCKSCOPE_REAL(pthread_mutex_unlock)};
}
}  // namespace rt
}  // namespace lockscope

LOCKSCOPE_INTERCEPTOR(int, pthread_mutex_lock, pthread_mutex_t* m) noexcept {
  return rt::HotAcquire<LockKind::kMutex, LockMode::kExclusive, pthread_mutex_t, MutexLock>(
      m, [] { return &HotMutexTry; }, LOCKSCOPE_FRAME());
}

LOCKSCOPE_INTERCEPTOR(int, pthread_mutex_trylock, pthread_mutex_t* m) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_mutex_trylock)(m);
  if (si.active()) {
    rt::OnTryAcquire(si, si.ts(), m, LockKind::kMutex, LockMode::kExclusive, tr::kAcqTry, rc);
  }
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_mutex_timedlock, pthread_mutex_t* m,
                      const struct timespec* t) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_mutex_timedlock)(m, t);
  if (si.active()) {
    rt::OnTryAcquire(si, si.ts(), m, LockKind::kMutex, LockMode::kExclusive, tr::kAcqTimed, rc);
  }
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_mutex_clocklock, pthread_mutex_t* m, clockid_t c,
                      const struct timespec* t) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_mutex_clocklock)(m, c, t);
  if (si.active()) {
    rt::OnTryAcquire(si, si.ts(), m, LockKind::kMutex, LockMode::kExclusive, tr::kAcqTimed, rc);
  }
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_mutex_unlock, pthread_mutex_t* m) noexcept {
  if (!rt::HotRelease(m)) return MutexUnlock(m);
  return rt::InlineMutex(m) ? rt::InlineMutexUnlock(m) : LOCKSCOPE_REAL(pthread_mutex_unlock)(m);
}

LOCKSCOPE_INTERCEPTOR(int, pthread_mutex_init, pthread_mutex_t* m,
                      const pthread_mutexattr_t* a) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_mutex_init)(m, a);
  if (rc == 0 && si.active()) {
    rt::AfterLockInit(si, si.ts(), m, LockKind::kMutex, LOCKSCOPE_CALLER());
  }
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_mutex_destroy, pthread_mutex_t* m) noexcept {
  ScopedInterceptor si;
  if (si.active()) rt::BeforeLockDestroy(si, si.ts(), m, LockKind::kMutex);
  return LOCKSCOPE_REAL(pthread_mutex_destroy)(m);
}

LOCKSCOPE_INTERCEPTOR(int, pthread_spin_lock, pthread_spinlock_t* l) noexcept {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_spin_lock)(l);
  AcquireOp op;
  rt::BeginAcquire(si, si.ts(), &op, SpinAddr(l), LockKind::kSpin, LockMode::kExclusive);
  int rc = LOCKSCOPE_REAL(pthread_spin_trylock)(l);
  if (rc == EBUSY) {
    rt::BeginBlockedAcquire(si, si.ts(), &op);
    rc = LOCKSCOPE_REAL(pthread_spin_lock)(l);
    rt::EndBlockedAcquire(si, si.ts(), &op);
  }
  rt::EndAcquire(si, si.ts(), &op, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_spin_trylock, pthread_spinlock_t* l) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_spin_trylock)(l);
  if (si.active()) {
    rt::OnTryAcquire(si, si.ts(), SpinAddr(l), LockKind::kSpin, LockMode::kExclusive, tr::kAcqTry, rc);
  }
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_spin_unlock, pthread_spinlock_t* l) noexcept {
  ScopedInterceptor si;
  if (si.active()) rt::BeforeRelease(si, si.ts(), SpinAddr(l), LockKind::kSpin);
  return LOCKSCOPE_REAL(pthread_spin_unlock)(l);
}

LOCKSCOPE_INTERCEPTOR(int, pthread_spin_init, pthread_spinlock_t* l, int pshared) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_spin_init)(l, pshared);
  if (rc == 0 && si.active()) {
    rt::AfterLockInit(si, si.ts(), SpinAddr(l), LockKind::kSpin, LOCKSCOPE_CALLER());
  }
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_spin_destroy, pthread_spinlock_t* l) noexcept {
  ScopedInterceptor si;
  if (si.active()) rt::BeforeLockDestroy(si, si.ts(), SpinAddr(l), LockKind::kSpin);
  return LOCKSCOPE_REAL(pthread_spin_destroy)(l);
}
