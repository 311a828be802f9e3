// pthread_rwlock_*: thin adapters (policy in thread_state.cpp). Unlock takes its mode from the
// thread's held entry.

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

using rwlock_t = pthread_rwlock_t;
using ts_t = const struct timespec*;

LOCKSCOPE_REAL_DECL(int, pthread_rwlock_rdlock, rwlock_t*)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_tryrdlock, rwlock_t*)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_timedrdlock, rwlock_t*, ts_t)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_clockrdlock, rwlock_t*, clockid_t, ts_t)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_wrlock, rwlock_t*)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_trywrlock, rwlock_t*)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_timedwrlock, rwlock_t*, ts_t)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_clockwrlock, rwlock_t*, clockid_t, ts_t)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_unlock, rwlock_t*)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_init, rwlock_t*, const pthread_rwlockattr_t*)
LOCKSCOPE_REAL_DECL(int, pthread_rwlock_destroy, rwlock_t*)

namespace lockscope {
namespace rt {
void ResolveRwlockInterceptors() {
  Resolve_pthread_rwlock_rdlock(), Resolve_pthread_rwlock_tryrdlock();
  Resolve_pthread_rwlock_timedrdlock(), Resolve_pthread_rwlock_clockrdlock();
  Resolve_pthread_rwlock_wrlock(), Resolve_pthread_rwlock_trywrlock();
  Resolve_pthread_rwlock_timedwrlock(), Resolve_pthread_rwlock_clockwrlock();
  Resolve_pthread_rwlock_unlock(), Resolve_pthread_rwlock_init();
  Resolve_pthread_rwlock_destroy();
}
}  // namespace rt
}  // namespace lockscope

namespace {

// The two blocking acquires differ only in mode and in which real pair they call.
__attribute__((noinline)) int BlockingAcquire(rwlock_t* l, LockMode mode, int (*try_fn)(rwlock_t*),
                    int (*lock_fn)(rwlock_t*)) {
  ScopedInterceptor si;
  if (!si.active()) return lock_fn(l);
  AcquireOp op;
  rt::BeginAcquire(si, si.ts(), &op, l, LockKind::kRwLock, mode);
  int rc = try_fn(l);
  if (rc == EBUSY) {
    rt::BeginBlockedAcquire(si, si.ts(), &op);
    rc = lock_fn(l);
    rt::EndBlockedAcquire(si, si.ts(), &op);
  }
  rt::EndAcquire(si, si.ts(), &op, rc);
  return rc;
}

// The general paths of the two blocking acquires (hot_path.h continues there).
__attribute__((noinline)) int RdLock(rwlock_t* l) {
  return BlockingAcquire(l, LockMode::kShared, LOCKSCOPE_REAL(pthread_rwlock_tryrdlock),
                         LOCKSCOPE_REAL(pthread_rwlock_rdlock));
}

__attribute__((noinline)) int WrLock(rwlock_t* l) {
  return BlockingAcquire(l, LockMode::kExclusive, LOCKSCOPE_REAL(pthread_rwlock_trywrlock),
                         LOCKSCOPE_REAL(pthread_rwlock_wrlock));
}

}  // namespace

// A hot acquisition of a busy rwlock blocks here (HotFail).
template <>
struct rt::HotBlocking<rwlock_t, RdLock> {
  static int Call(rwlock_t* l) { return LOCKSCOPE_REAL(pthread_rwlock_rdlock)(l); }
};
template <>
struct rt::HotBlocking<rwlock_t, WrLock> {
  static int Call(rwlock_t* l) { return LOCKSCOPE_REAL(pthread_rwlock_wrlock)(l); }
};

namespace {
void AfterAttempt(const ScopedInterceptor& si, rwlock_t* l, LockMode mode, uint8_t flags, int rc) {
  if (si.active()) rt::OnTryAcquire(si, si.ts(), l, LockKind::kRwLock, mode, flags, rc);
}

}  // namespace

namespace {
// The hot path's read trylock: a default rwlock's read lock is taken inline when no writer is
// about (inline_locks.h), anything else by glibc.
__attribute__((always_inline)) inline int HotTryRead(rwlock_t* l) {
  if (__builtin_expect(rt::InlineRwLock(l), 1) && rt::InlineRwTryRead(l)) return 0;
  return LOCKSCOPE_REAL(pthread_rwlock_tryrdlock)(l);
}
}  // namespace

namespace lockscope {
namespace rt {
RwLockFns RealRwLockFns() {
  return {LOCKSCOPE_REAL(pthread_rwlock_tryrdlock), LOCKSCOPE_REAL(pthread_rwlock_trywrlock),
          LOCKSCOPE_REAL(pthread_rwlock_unlock)};
}
}  // namespace rt
}  // namespace lockscope

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_rdlock, rwlock_t* l) noexcept {
  return rt::HotAcquire<LockKind::kRwLock, LockMode::kShared, rwlock_t, RdLock>(
      l, [] { return &HotTryRead; }, LOCKSCOPE_FRAME());
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_wrlock, rwlock_t* l) noexcept {
  return rt::HotAcquire<LockKind::kRwLock, LockMode::kExclusive, rwlock_t, WrLock>(
      l, [] { return LOCKSCOPE_REAL(pthread_rwlock_trywrlock); }, LOCKSCOPE_FRAME());
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_tryrdlock, rwlock_t* l) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_rwlock_tryrdlock)(l);
  AfterAttempt(si, l, LockMode::kShared, tr::kAcqTry, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_trywrlock, rwlock_t* l) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_rwlock_trywrlock)(l);
  AfterAttempt(si, l, LockMode::kExclusive, tr::kAcqTry, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_timedrdlock, rwlock_t* l, ts_t t) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_rwlock_timedrdlock)(l, t);
  AfterAttempt(si, l, LockMode::kShared, tr::kAcqTimed, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_timedwrlock, rwlock_t* l, ts_t t) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_rwlock_timedwrlock)(l, t);
  AfterAttempt(si, l, LockMode::kExclusive, tr::kAcqTimed, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_clockrdlock, rwlock_t* l, clockid_t c, ts_t t) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_rwlock_clockrdlock)(l, c, t);
  AfterAttempt(si, l, LockMode::kShared, tr::kAcqTimed, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_clockwrlock, rwlock_t* l, clockid_t c, ts_t t) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_rwlock_clockwrlock)(l, c, t);
  AfterAttempt(si, l, LockMode::kExclusive, tr::kAcqTimed, rc);
  return rc;
}

namespace {
__attribute__((noinline)) int RwUnlock(rwlock_t* l) {
  ScopedInterceptor si;
  if (si.active()) rt::BeforeRelease(si, si.ts(), l, LockKind::kRwLock);
  return LOCKSCOPE_REAL(pthread_rwlock_unlock)(l);
}
}  // namespace

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_unlock, rwlock_t* l) noexcept {
  if (!rt::HotRelease(l)) return RwUnlock(l);
  if (rt::InlineRwLock(l) && rt::InlineRwUnlock(l, rt::t_tls.state->tid)) return 0;
  return LOCKSCOPE_REAL(pthread_rwlock_unlock)(l);
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_init, rwlock_t* l,
                      const pthread_rwlockattr_t* a) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_rwlock_init)(l, a);
  if (rc == 0 && si.active()) {
    rt::AfterLockInit(si, si.ts(), l, LockKind::kRwLock, LOCKSCOPE_CALLER());
  }
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_rwlock_destroy, rwlock_t* l) noexcept {
  ScopedInterceptor si;
  if (si.active()) rt::BeforeLockDestroy(si, si.ts(), l, LockKind::kRwLock);
  return LOCKSCOPE_REAL(pthread_rwlock_destroy)(l);
}
