// inline_locks.h — the uncontended acquire and release of a default mutex, and of a default
// rwlock's read lock, done on the hot path with glibc's own protocol instead of a call into glibc.
//
// Why: the hot path (hot_path.h) used to call glibc's pthread_mutex_trylock and
// pthread_mutex_unlock through pointers: two indirect calls and ~55 instructions of type dispatch
// per lock/unlock pair, about a third of what the runtime added to an uncontended pair. For the
// mutex almost every program uses — std::mutex, PTHREAD_MUTEX_INITIALIZER, no or an untouched
// attribute: private, normal, no elision, i.e. `__kind == 0` (an explicit PTHREAD_MUTEX_NORMAL
// adds glibc's no-elision flag and stays with glibc) — glibc's fast path touches three fields of
// the ABI-fixed pthread_mutex_t: `__lock` (the futex word: 0 free, 1 locked, > 1 locked with
// waiters), `__owner` (the holder's tid) and `__nusers`. Neither the layout nor the `__lock`
// protocol can change: process-shared mutexes are used by programs linked against different glibc
// versions.
//
//   trylock: compare-and-swap `__lock` 0 -> 1 (acquire); then `__owner` = tid, `++__nusers`, as
//            glibc's trylock does for this kind.
//   unlock:  `__owner` = 0, `--__nusers`, exchange `__lock` with 0 (release) and, when it was > 1,
//            FUTEX_WAKE_PRIVATE one waiter — glibc's __pthread_mutex_unlock_usercnt + lll_unlock.
//
// Everything else goes to glibc as before: every other kind of mutex (error-checking, recursive,
// adaptive, robust, priority-inheritance or -protect, process-shared, elided), the wait for a busy
// mutex, the program's own trylock/timedlock, and every general-path call. The two interoperate:
// after each step the mutex holds what glibc would have left there. InlineLocksInit() checks that
// against glibc itself at runtime start (the same steps on two mutexes, one each way, and crossed)
// and otherwise leaves this path off; LOCKSCOPE_OPTIONS=inline_locks=0 turns it off too. Read
// locks of default rwlocks the same way, below.
// Not seen by glibc's own static probes (the libc `mutex_acquired`/`mutex_release` USDT points
// don't fire for these acquisitions), like any lock that does not go through its functions.

#ifndef LOCKSCOPE_RUNTIME_INLINE_LOCKS_H_
#define LOCKSCOPE_RUNTIME_INLINE_LOCKS_H_

#include <pthread.h>

#include <cerrno>
#include <cstdint>

namespace lockscope {
namespace rt {

// 0 when the inline path is on (InlineLocksInit); or'ed with the lock's kind fields, so one
// test covers both.
extern int g_inline_locks_off __attribute__((visibility("hidden")));

// True when the mutex is one this path takes (and the path is on).
inline bool InlineMutex(const pthread_mutex_t* m) {
#if defined(__x86_64__) && defined(__GLIBC__)
  return (m->__data.__kind | g_inline_locks_off) == 0;
#else
  (void)m;
  return false;
#endif
}

// 0 (acquired) or EBUSY. Only for InlineMutex(m); `tid` = gettid() of the caller.
inline int InlineMutexTryLock(pthread_mutex_t* m, uint32_t tid) {
  int expected = 0;
  if (!__atomic_compare_exchange_n(&m->__data.__lock, &expected, 1, false, __ATOMIC_ACQUIRE,
                                   __ATOMIC_RELAXED)) {
    return EBUSY;
  }
  m->__data.__owner = static_cast<int>(tid);
  ++m->__data.__nusers;
  return 0;
}

// Wakes one thread blocked on the mutex's futex word (errno unchanged). Out of line: rare.
void InlineMutexWake(pthread_mutex_t* m);

// Releases a mutex the caller holds. Only for InlineMutex(m). Returns 0.
inline int InlineMutexUnlock(pthread_mutex_t* m) {
  m->__data.__owner = 0;
  --m->__data.__nusers;
  if (__atomic_exchange_n(&m->__data.__lock, 0, __ATOMIC_RELEASE) > 1) InlineMutexWake(m);
  return 0;
}

// Read locks of a default rwlock (PTHREAD_RWLOCK_INITIALIZER, std::shared_mutex, a default
// attribute: prefer readers, private, no elision — `__flags`, `__shared` and `__rwelision` 0).
// glibc's `__readers` word: bit 0 write phase, bit 1 write-locked (a writer holds it or waits for
// the readers to leave), bit 2 readers waiting, the reader count from bit 3 (also ABI: shared
// rwlocks).
//   read trylock: in a read phase that no writer has claimed (bits 0-1 clear), compare-and-swap
//                 count + 1 (acquire), as glibc's tryrdlock does there. Anything else — a writer,
//                 a phase change, the wake-ups that go with one, a lost race — is glibc's.
//   unlock:       glibc's own test first: `__cur_writer` holding the caller's tid means a write
//                 unlock (glibc's). A reader that is not the last, or the last one while no
//                 writer holds or waits and no reader waits (bits 0-2 clear): compare-and-swap
//                 count - 1 (release); glibc's read unlock changes nothing else and wakes nobody
//                 then. Else glibc's.
inline constexpr unsigned kRwWrPhase = 1, kRwWrLocked = 2, kRwReadersWaiting = 4;
inline constexpr unsigned kRwOneReader = 1u << 3, kRwReaderOverflow = 1u << 31;

// True when the rwlock is one whose read locks this path takes (and the path is on).
inline bool InlineRwLock(const pthread_rwlock_t* l) {
#if defined(__x86_64__) && defined(__GLIBC__)
  return (l->__data.__flags | static_cast<unsigned>(l->__data.__shared) |
          static_cast<unsigned char>(l->__data.__rwelision) |
          static_cast<unsigned>(g_inline_locks_off)) == 0;
#else
  (void)l;
  return false;
#endif
}

// A read lock taken here: true; false: nothing changed, glibc's tryrdlock decides.
// Only for InlineRwLock(l).
inline bool InlineRwTryRead(pthread_rwlock_t* l) {
  unsigned r = __atomic_load_n(&l->__data.__readers, __ATOMIC_RELAXED);
  if ((r & (kRwWrPhase | kRwWrLocked)) != 0 || r + kRwOneReader >= kRwReaderOverflow) return false;
  return __atomic_compare_exchange_n(&l->__data.__readers, &r, r + kRwOneReader, false,
                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

// Released here: true; false: nothing changed, glibc's pthread_rwlock_unlock does it. The caller
// holds the rwlock (read or write); `tid` = its gettid(). Only for InlineRwLock(l).
inline bool InlineRwUnlock(pthread_rwlock_t* l, uint32_t tid) {
  if (__atomic_load_n(&l->__data.__cur_writer, __ATOMIC_RELAXED) == static_cast<int>(tid)) {
    return false;
  }
  unsigned r = __atomic_load_n(&l->__data.__readers, __ATOMIC_RELAXED);
  const unsigned readers = r / kRwOneReader;
  if ((r & kRwWrPhase) != 0 || readers == 0 ||
      (readers == 1 && (r & (kRwWrLocked | kRwReadersWaiting)) != 0)) {
    return false;
  }
  return __atomic_compare_exchange_n(&l->__data.__readers, &r, r - kRwOneReader, false,
                                     __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

// glibc's functions the check runs against.
struct MutexFns {
  int (*lock)(pthread_mutex_t*);
  int (*trylock)(pthread_mutex_t*);
  int (*unlock)(pthread_mutex_t*);
};

// Whether InlineMutexTryLock/InlineMutexUnlock leave every default mutex as `glibc` does: the
// same steps on two fresh mutexes, one through glibc and one inline, compared byte for byte after
// each; each side sees the other's lock as held; and crossed (taken inline, released by glibc,
// and the reverse). Never blocks (the mutexes are its own).
bool InlineMutexMatches(const MutexFns& glibc, uint32_t tid);

struct RwLockFns {
  int (*tryrdlock)(pthread_rwlock_t*);
  int (*trywrlock)(pthread_rwlock_t*);
  int (*unlock)(pthread_rwlock_t*);
};

// The same for read locks: two readers on each side, a writer refused, releases each way and
// crossed, a writer's unlock left to glibc; byte for byte after each step.
bool InlineRwLockMatches(const RwLockFns& glibc, uint32_t tid);

// Whether `fn` lies in glibc's libc.so (dladdr).
bool InGlibc(const void* fn);

// Runtime start: turns the path on when `want` (flag inline_locks), on x86-64 glibc, when the
// functions the hot path would otherwise call are glibc's own (another preloaded library that
// interposes them after lockscope keeps seeing every call) and when both checks pass. Returns
// whether it is on.
bool InlineLocksInit(bool want, const MutexFns& mutex, const RwLockFns& rwlock, uint32_t tid);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_INLINE_LOCKS_H_
