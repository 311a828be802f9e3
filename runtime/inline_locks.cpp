// inline_locks.cpp — the start-up check of inline_locks.h and the rare wake-up.

#include "inline_locks.h"

#include <dlfcn.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "internal/reentry_guard.h"

namespace lockscope {
namespace rt {

int g_inline_locks_off = 1;

void InlineMutexWake(pthread_mutex_t* m) {
  ErrnoSaver es;  // glibc's own wake-up never touches errno
  syscall(SYS_futex, &m->__data.__lock, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

namespace {

template <typename Lock>
bool Same(const Lock& a, const Lock& b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

bool InlineMutexMatches(const MutexFns& glibc, uint32_t tid) {
#if defined(__x86_64__) && defined(__GLIBC__)
  pthread_mutex_t ours = PTHREAD_MUTEX_INITIALIZER, theirs = PTHREAD_MUTEX_INITIALIZER;
  if (ours.__data.__kind != 0 || !glibc.lock || !glibc.trylock || !glibc.unlock) return false;
  // Taken: the same bytes, and each side sees the other's mutex as held.
  if (glibc.lock(&theirs) != 0) return false;
  bool ok = InlineMutexTryLock(&ours, tid) == 0;
  ok = ok && Same(ours, theirs) && theirs.__data.__owner == static_cast<int>(tid);
  ok = ok && glibc.trylock(&ours) == EBUSY && InlineMutexTryLock(&theirs, tid) == EBUSY;
  glibc.unlock(&theirs);
  if (ok) InlineMutexUnlock(&ours);
  ok = ok && Same(ours, theirs);
  // Crossed: taken inline and released by glibc, taken by glibc and released inline; glibc can
  // take it after each.
  if (!ok || InlineMutexTryLock(&ours, tid) != 0) return false;
  ok = glibc.unlock(&ours) == 0 && Same(ours, theirs) && glibc.trylock(&ours) == 0;
  if (!ok) return false;
  InlineMutexUnlock(&ours);
  ok = Same(ours, theirs) && glibc.trylock(&ours) == 0;
  if (ok) glibc.unlock(&ours);
  return ok && Same(ours, theirs);
#else
  (void)glibc;
  (void)tid;
  return false;
#endif
}

bool InlineRwLockMatches(const RwLockFns& glibc, uint32_t tid) {
#if defined(__x86_64__) && defined(__GLIBC__)
  pthread_rwlock_t ours = PTHREAD_RWLOCK_INITIALIZER, theirs = PTHREAD_RWLOCK_INITIALIZER;
  if (!glibc.tryrdlock || !glibc.trywrlock || !glibc.unlock) return false;
  if (ours.__data.__flags != 0 || ours.__data.__shared != 0 || ours.__data.__rwelision != 0) {
    return false;
  }
  auto same = [&] { return Same(ours, theirs); };
  // Two readers each side; a writer refused by both.
  bool ok = true;
  for (int k = 0; k < 2 && ok; ++k) {
    ok = glibc.tryrdlock(&theirs) == 0 && InlineRwTryRead(&ours) && same();
  }
  ok = ok && glibc.trywrlock(&ours) == EBUSY && glibc.trywrlock(&theirs) == EBUSY && same();
  // One release each way (inline, then glibc on the inline side's lock), then crossed.
  ok = ok && glibc.unlock(&theirs) == 0 && InlineRwUnlock(&ours, tid) && same();
  ok = ok && InlineRwUnlock(&theirs, tid) && glibc.unlock(&ours) == 0 && same();
  // A writer: no inline read lock, its unlock left to glibc.
  ok = ok && glibc.trywrlock(&ours) == 0 && glibc.trywrlock(&theirs) == 0 && same();
  ok = ok && !InlineRwTryRead(&ours) && !InlineRwUnlock(&ours, tid) && same();
  ok = ok && glibc.unlock(&ours) == 0 && glibc.unlock(&theirs) == 0 && same();
  // After a writer, glibc's read lock switches the phase back; then inline again.
  ok = ok && glibc.tryrdlock(&ours) == 0 && glibc.tryrdlock(&theirs) == 0 && same();
  ok = ok && InlineRwUnlock(&ours, tid) && glibc.unlock(&theirs) == 0 && same();
  ok = ok && InlineRwTryRead(&ours) && glibc.tryrdlock(&theirs) == 0 && same();
  ok = ok && InlineRwUnlock(&ours, tid) && glibc.unlock(&theirs) == 0 && same();
  return ok;
#else
  (void)glibc;
  (void)tid;
  return false;
#endif
}

bool InGlibc(const void* fn) {
  Dl_info info;
  if (!fn || !dladdr(fn, &info) || !info.dli_fname) return false;
  const char* base = strrchr(info.dli_fname, '/');
  base = base ? base + 1 : info.dli_fname;
  return strncmp(base, "libc.so", 7) == 0;
}

bool InlineLocksInit(bool want, const MutexFns& mutex, const RwLockFns& rwlock, uint32_t tid) {
  // The six functions the hot path stands in for or calls: all must be glibc's own.
  using Fn = const void*;
  const Fn replaced[] = {Fn(mutex.lock),       Fn(mutex.trylock),   Fn(mutex.unlock),
                         Fn(rwlock.tryrdlock), Fn(rwlock.trywrlock), Fn(rwlock.unlock)};
  bool on = want;
  for (Fn fn : replaced) on = on && InGlibc(fn);
  on = on && InlineMutexMatches(mutex, tid) && InlineRwLockMatches(rwlock, tid);
  g_inline_locks_off = on ? 0 : 1;
  return on;
}

}  // namespace rt
}  // namespace lockscope
