// The hot path's inline acquire and release of default mutexes and rwlock read locks
// (runtime/inline_locks.h) against glibc itself: the same bytes after each step, each side seeing
// the other's lock as held, a waiter blocked inside glibc woken by an inline release (or the
// release left to glibc when a writer waits), glibc's destroy seeing the user count, and the
// start-up check refusing a "glibc" that behaves differently.

#include <dlfcn.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "inline_locks.h"

namespace lockscope {
namespace rt {
namespace {

uint32_t Tid() { return static_cast<uint32_t>(syscall(SYS_gettid)); }

// glibc's own functions, as the runtime's dlsym(RTLD_NEXT) finds them: taken from libc.so.6, not
// by name from this binary, where a sanitizer's interceptor may stand in front of them.
template <typename Fn>
Fn Libc(const char* name) {
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  return reinterpret_cast<Fn>(libc ? dlsym(libc, name) : nullptr);
}
using MutexFn = int (*)(pthread_mutex_t*);
using RwFn = int (*)(pthread_rwlock_t*);
const MutexFns kGlibc = {Libc<MutexFn>("pthread_mutex_lock"),
                         Libc<MutexFn>("pthread_mutex_trylock"),
                         Libc<MutexFn>("pthread_mutex_unlock")};
const RwLockFns kGlibcRw = {Libc<RwFn>("pthread_rwlock_tryrdlock"),
                            Libc<RwFn>("pthread_rwlock_trywrlock"),
                            Libc<RwFn>("pthread_rwlock_unlock")};

class InlineLocksTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InlineLocksInit(true, kGlibc, kGlibcRw, Tid())); }
  void TearDown() override { InlineLocksInit(false, kGlibc, kGlibcRw, Tid()); }
};

TEST_F(InlineLocksTest, MatchesGlibcOnThisMachine) {
  EXPECT_TRUE(InlineMutexMatches(kGlibc, Tid()));
}

TEST_F(InlineLocksTest, LeavesTheBytesGlibcLeaves) {
  pthread_mutex_t ours = PTHREAD_MUTEX_INITIALIZER, theirs = PTHREAD_MUTEX_INITIALIZER;
  ASSERT_TRUE(InlineMutex(&ours));
  ASSERT_EQ(InlineMutexTryLock(&ours, Tid()), 0);
  ASSERT_EQ(pthread_mutex_lock(&theirs), 0);
  EXPECT_EQ(memcmp(&ours, &theirs, sizeof ours), 0);
  EXPECT_EQ(ours.__data.__owner, static_cast<int>(Tid()));
  EXPECT_EQ(ours.__data.__nusers, 1u);
  EXPECT_EQ(InlineMutexTryLock(&ours, Tid()), EBUSY);  // held: a second try fails, changes nothing
  EXPECT_EQ(memcmp(&ours, &theirs, sizeof ours), 0);
  EXPECT_EQ(InlineMutexUnlock(&ours), 0);
  ASSERT_EQ(pthread_mutex_unlock(&theirs), 0);
  EXPECT_EQ(memcmp(&ours, &theirs, sizeof ours), 0);
}

TEST_F(InlineLocksTest, GlibcAndInlineStepsInterleave) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  ASSERT_EQ(InlineMutexTryLock(&m, Tid()), 0);
  EXPECT_EQ(pthread_mutex_trylock(&m), EBUSY);
  EXPECT_EQ(pthread_mutex_destroy(&m), EBUSY);  // glibc sees the user the inline lock counted
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  ASSERT_EQ(pthread_mutex_lock(&m), 0);
  EXPECT_EQ(InlineMutexTryLock(&m, Tid()), EBUSY);
  EXPECT_EQ(InlineMutexUnlock(&m), 0);
  EXPECT_EQ(pthread_mutex_trylock(&m), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
  EXPECT_EQ(pthread_mutex_destroy(&m), 0);
}

// Whether a mutex / rwlock made with an attribute that `set` adjusts (nothing: the default)
// qualifies for the inline path.
template <typename Lock, typename Attr>
bool Qualifies(int (*attr_init)(Attr*), int (*attr_destroy)(Attr*),
               int (*init)(Lock*, const Attr*), int (*destroy)(Lock*),
               bool (*inline_ok)(const Lock*), void (*set)(Attr*)) {
  Attr a;
  attr_init(&a);
  if (set) set(&a);
  Lock l;
  init(&l, &a);
  const bool ok = inline_ok(&l);
  destroy(&l);
  attr_destroy(&a);
  return ok;
}

bool MutexQualifies(void (*set)(pthread_mutexattr_t*)) {
  return Qualifies(pthread_mutexattr_init, pthread_mutexattr_destroy, pthread_mutex_init,
                   pthread_mutex_destroy, InlineMutex, set);
}

bool RwLockQualifies(void (*set)(pthread_rwlockattr_t*)) {
  return Qualifies(pthread_rwlockattr_init, pthread_rwlockattr_destroy, pthread_rwlock_init,
                   pthread_rwlock_destroy, InlineRwLock, set);
}

TEST_F(InlineLocksTest, OnlyDefaultMutexesAndOnlyWhenOn) {
  EXPECT_FALSE(MutexQualifies([](pthread_mutexattr_t* a) {
    pthread_mutexattr_settype(a, PTHREAD_MUTEX_ERRORCHECK);
  }));
  EXPECT_FALSE(MutexQualifies([](pthread_mutexattr_t* a) {
    pthread_mutexattr_settype(a, PTHREAD_MUTEX_RECURSIVE);
  }));
  EXPECT_FALSE(MutexQualifies([](pthread_mutexattr_t* a) {
    pthread_mutexattr_settype(a, PTHREAD_MUTEX_ADAPTIVE_NP);
  }));
  EXPECT_FALSE(MutexQualifies([](pthread_mutexattr_t* a) {
    pthread_mutexattr_setpshared(a, PTHREAD_PROCESS_SHARED);
  }));
  EXPECT_FALSE(MutexQualifies([](pthread_mutexattr_t* a) {
    pthread_mutexattr_setrobust(a, PTHREAD_MUTEX_ROBUST);
  }));
  // An explicit PTHREAD_MUTEX_NORMAL (= PTHREAD_MUTEX_DEFAULT) carries glibc's internal
  // no-elision flag in its kind: not the default bytes, so glibc's (the start-up check covers the
  // default kind only).
  EXPECT_FALSE(MutexQualifies([](pthread_mutexattr_t* a) {
    pthread_mutexattr_settype(a, PTHREAD_MUTEX_NORMAL);
  }));
  EXPECT_TRUE(MutexQualifies(nullptr));
  InlineLocksInit(false, kGlibc, kGlibcRw, Tid());  // inline_locks=0
  EXPECT_FALSE(MutexQualifies(nullptr));
}

// A thread blocked inside glibc's pthread_mutex_lock (the futex word then reads 2) is woken by
// an inline release. Bounded by a timed lock, so a lost wake-up fails instead of hanging.
TEST_F(InlineLocksTest, InlineReleaseWakesAWaiterBlockedInGlibc) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  ASSERT_EQ(InlineMutexTryLock(&m, Tid()), 0);
  std::atomic<int> got{-1};
  std::thread waiter([&] {
    timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    got = pthread_mutex_timedlock(&m, &until);
    if (got == 0) pthread_mutex_unlock(&m);
  });
  // The waiter announces itself in the futex word before it sleeps.
  while (__atomic_load_n(&m.__data.__lock, __ATOMIC_ACQUIRE) != 2) sched_yield();
  errno = 1234;
  EXPECT_EQ(InlineMutexUnlock(&m), 0);
  EXPECT_EQ(errno, 1234);  // the wake-up keeps errno
  waiter.join();
  EXPECT_EQ(got.load(), 0);
  EXPECT_EQ(pthread_mutex_destroy(&m), 0);
}

TEST_F(InlineLocksTest, RwLockMatchesGlibcOnThisMachine) {
  EXPECT_TRUE(InlineRwLockMatches(kGlibcRw, Tid()));
}

TEST_F(InlineLocksTest, ReadLocksLeaveTheBytesGlibcLeaves) {
  pthread_rwlock_t ours = PTHREAD_RWLOCK_INITIALIZER, theirs = PTHREAD_RWLOCK_INITIALIZER;
  ASSERT_TRUE(InlineRwLock(&ours));
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(InlineRwTryRead(&ours));
    ASSERT_EQ(pthread_rwlock_tryrdlock(&theirs), 0);
    EXPECT_EQ(memcmp(&ours, &theirs, sizeof ours), 0) << "after reader " << k + 1;
  }
  EXPECT_EQ(pthread_rwlock_trywrlock(&ours), EBUSY);
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(InlineRwUnlock(&ours, Tid()));
    ASSERT_EQ(pthread_rwlock_unlock(&theirs), 0);
    EXPECT_EQ(memcmp(&ours, &theirs, sizeof ours), 0) << "after release " << k + 1;
  }
  EXPECT_EQ(pthread_rwlock_trywrlock(&ours), 0);  // all readers gone
  EXPECT_FALSE(InlineRwTryRead(&ours));           // a writer holds it: glibc decides
  EXPECT_FALSE(InlineRwUnlock(&ours, Tid()));     // the writer's unlock is glibc's
  EXPECT_EQ(pthread_rwlock_unlock(&ours), 0);
  EXPECT_EQ(pthread_rwlock_destroy(&ours), 0);
}

TEST_F(InlineLocksTest, OnlyDefaultRwLocks) {
  EXPECT_FALSE(RwLockQualifies([](pthread_rwlockattr_t* a) {
    pthread_rwlockattr_setkind_np(a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  }));
  EXPECT_FALSE(RwLockQualifies([](pthread_rwlockattr_t* a) {
    pthread_rwlockattr_setpshared(a, PTHREAD_PROCESS_SHARED);
  }));
  EXPECT_TRUE(RwLockQualifies(nullptr));
  InlineLocksInit(false, kGlibc, kGlibcRw, Tid());  // inline_locks=0
  EXPECT_FALSE(RwLockQualifies(nullptr));
}

// A writer that blocked inside glibc while two readers held the lock (it marks the word
// write-locked and waits for the readers to leave): the first reader's release is inline, the
// last one's is left to glibc, which hands the lock to the writer. Bounded by a timed lock.
TEST_F(InlineLocksTest, LastReaderBeforeAWaitingWriterIsGlibcs) {
  pthread_rwlock_t l = PTHREAD_RWLOCK_INITIALIZER;
  ASSERT_TRUE(InlineRwTryRead(&l));
  ASSERT_TRUE(InlineRwTryRead(&l));
  std::atomic<int> got{-1};
  std::thread writer([&] {
    timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    got = pthread_rwlock_timedwrlock(&l, &until);
    if (got == 0) pthread_rwlock_unlock(&l);
  });
  while ((__atomic_load_n(&l.__data.__readers, __ATOMIC_ACQUIRE) & kRwWrLocked) == 0) {
    sched_yield();
  }
  EXPECT_FALSE(InlineRwTryRead(&l));  // a writer claimed it: glibc decides
  EXPECT_TRUE(InlineRwUnlock(&l, Tid()));   // another reader remains
  EXPECT_FALSE(InlineRwUnlock(&l, Tid()));  // the last one: glibc's (it wakes the writer)
  EXPECT_EQ(pthread_rwlock_unlock(&l), 0);
  writer.join();
  EXPECT_EQ(got.load(), 0);
  EXPECT_EQ(pthread_rwlock_destroy(&l), 0);
}

// The start-up check fails, and leaves the path off, for a lock that does not keep glibc's
// fields (here: one that never records its owner) or one that cannot be locked.
int LockWithoutOwner(pthread_mutex_t* m) {
  int r = pthread_mutex_lock(m);
  m->__data.__owner = 0;
  return r;
}
int NeverLocks(pthread_mutex_t*) { return EINVAL; }
int NeverTryRead(pthread_rwlock_t*) { return EBUSY; }
// Another library's interposer that forwards to glibc: behaves like glibc, but is not glibc.
__attribute__((noinline)) int ForwardingTryLock(pthread_mutex_t* m) {
  return pthread_mutex_trylock(m);
}

TEST(InlineLocksInitTest, RefusesALockThatDiffers) {
  EXPECT_FALSE(InlineMutexMatches({LockWithoutOwner, pthread_mutex_trylock, pthread_mutex_unlock},
                                  Tid()));
  EXPECT_FALSE(InlineMutexMatches({NeverLocks, pthread_mutex_trylock, pthread_mutex_unlock},
                                  Tid()));
  EXPECT_FALSE(InlineMutexMatches(kGlibc, Tid() + 1));  // not this thread's id
  EXPECT_FALSE(InlineRwLockMatches({NeverTryRead, pthread_rwlock_trywrlock, pthread_rwlock_unlock},
                                   Tid()));
  EXPECT_FALSE(InlineLocksInit(true, {NeverLocks, pthread_mutex_trylock, pthread_mutex_unlock},
                               kGlibcRw, Tid()));
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  EXPECT_FALSE(InlineMutex(&m));
  EXPECT_FALSE(InlineLocksInit(
      true, kGlibc, {NeverTryRead, pthread_rwlock_trywrlock, pthread_rwlock_unlock}, Tid()));
  EXPECT_FALSE(InlineMutex(&m));
  // Another preloaded library interposes trylock after lockscope: it must keep seeing the calls.
  const MutexFns forwarding = {kGlibc.lock, ForwardingTryLock, kGlibc.unlock};
  EXPECT_TRUE(InlineMutexMatches(forwarding, Tid()));  // it behaves like glibc ...
  EXPECT_FALSE(InGlibc(reinterpret_cast<const void*>(&ForwardingTryLock)));
  EXPECT_FALSE(InlineLocksInit(true, forwarding, kGlibcRw, Tid()));  // ... but is not glibc
  EXPECT_FALSE(InlineMutex(&m));
  EXPECT_TRUE(InGlibc(reinterpret_cast<const void*>(kGlibc.trylock)));
  EXPECT_TRUE(InlineLocksInit(true, kGlibc, kGlibcRw, Tid()));
  EXPECT_TRUE(InlineMutex(&m));
  InlineLocksInit(false, kGlibc, kGlibcRw, Tid());
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
