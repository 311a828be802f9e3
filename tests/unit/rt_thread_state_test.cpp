// Recording policy through the core API (what the interceptors call): dedup, epochs, held-set
// mirroring, misuse reports, condvars and semaphores, and — with a counting malloc for the whole
// runtime test binary — that the lock/unlock bookkeeping path allocates nothing. The fast paths'
// tests are in rt_fast_path_test.cpp.

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cond_signal.h"
#include "lock_stats.h"
#include "lock_table.h"
#include "rt_thread_state_fixture.h"
#include "runtime.h"
#include "thread_state.h"
#include "trace_writer.h"

// Counting allocator for the whole test binary. Under AddressSanitizer, which owns malloc, the
// count comes from its allocation hooks instead of a malloc replacement.
#if defined(__SANITIZE_ADDRESS__)
#define LOCKSCOPE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOCKSCOPE_TEST_ASAN 1
#endif
#endif

static std::atomic<long> g_allocs{0};
#if defined(LOCKSCOPE_TEST_ASAN)
// sanitizer/allocator_interface.h ships with clang only; gcc's libasan has the same entry point.
extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, size_t), void (*free_hook)(const volatile void*));
static void CountMalloc(const volatile void*, size_t) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
}
static void IgnoreFree(const volatile void*) {}
static const int g_hooks_installed = __sanitizer_install_malloc_and_free_hooks(CountMalloc,
                                                                               IgnoreFree);
#else
extern "C" void* __libc_malloc(size_t);
extern "C" void __libc_free(void*);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
extern "C" void* malloc(size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t a, size_t b) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(a, b);
}
extern "C" void* realloc(void* p, size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
extern "C" void free(void* p) { __libc_free(p); }
#endif

namespace lockscope {
namespace rt {
namespace {

TEST_F(RtThreadStateTest, DedupWritesEachDependencyOncePerEpoch) {
  Init("max_threads=8");
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3; ++i) {  // same held set, same lock, same site
      Lock(&a);
      Lock(&b);
      Unlock(&b);
      Unlock(&a);
    }
    AfterThreadCreate(g_, ts_, nullptr, 0);  // a pthread_create: new epoch
  }
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockDef), 2);
  std::vector<trace::Acquire> with_held;
  for (auto& r : rs) {
    if (r.kind != static_cast<uint8_t>(trace::RecordKind::kAcquire)) continue;
    auto acq = r.As<trace::Acquire>();
    if (acq.n_held == 1) {
      with_held.push_back(acq);
      trace::HeldEntry h;
      memcpy(&h, r.bytes.data() + sizeof(trace::Acquire), sizeof(h));
      EXPECT_EQ(h.count, 1u);
      EXPECT_NE(h.lock_id, acq.lock_id);
    }
  }
  ASSERT_EQ(with_held.size(), 2u);  // once per epoch
  EXPECT_EQ(with_held[0].epoch, 0u);
  EXPECT_EQ(with_held[1].epoch, 1u);
  EXPECT_EQ(Count(rs, trace::RecordKind::kAcquire), 4);
  EXPECT_EQ(Count(rs, trace::RecordKind::kRelease), 0);
}

TEST_F(RtThreadStateTest, FullEventsWritesEveryAcquireAndRelease) {
  Init("max_threads=8:full_events=1");
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
  for (int i = 0; i < 5; ++i) {
    Lock(&a);
    Unlock(&a);
  }
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kAcquire), 5);
  EXPECT_EQ(Count(rs, trace::RecordKind::kRelease), 5);
}

TEST_F(RtThreadStateTest, SlotMirrorsHeldLocksAndOverflow) {
  Init("max_threads=8");
  const int kLocks = 1000;
  std::vector<pthread_mutex_t> ms(kLocks);
  for (auto& m : ms) pthread_mutex_init(&m, nullptr);
  for (auto& m : ms) Lock(&m);
  EXPECT_EQ(ts_->n_held, static_cast<uint32_t>(kLocks));
  EXPECT_EQ(ts_->slot->n_held, trace::kSlotHeld);
  EXPECT_EQ(ts_->slot->held_overflow, 1);
  // Release out of order: every other lock first.
  for (int i = 0; i < kLocks; i += 2) Unlock(&ms[i]);
  EXPECT_EQ(ts_->n_held, static_cast<uint32_t>(kLocks / 2));
  for (int i = 1; i < kLocks; i += 2) Unlock(&ms[i]);
  EXPECT_EQ(ts_->n_held, 0u);
  EXPECT_EQ(ts_->slot->n_held, 0u);
  EXPECT_EQ(ts_->slot->held_overflow, 0);
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kMisuse), 0);
}

TEST_F(RtThreadStateTest, RecursiveMutexCountsAndRelockIsReported) {
  Init("max_threads=8");
  pthread_mutex_t r = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
  Lock(&r);
  Lock(&r);
  ASSERT_EQ(ts_->n_held, 1u);
  EXPECT_EQ(ts_->held[0].count, 2u);
  EXPECT_EQ(ts_->slot->held[0].count, 2u);
  Unlock(&r);
  Unlock(&r);
  EXPECT_EQ(ts_->n_held, 0u);

  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_t e;
  pthread_mutex_init(&e, &attr);
  AfterLockInit(g_, ts_, &e, LockKind::kMutex, 0);
  Lock(&e);
  Lock(&e);  // EDEADLK from the real call, self-relock reported
  EXPECT_EQ(ts_->n_held, 1u);
  Unlock(&e);
  auto rs = ReadRecords(file_);
  int relocks = 0;
  bool saw_reentrant = false;
  for (auto& rec : rs) {
    if (rec.kind == static_cast<uint8_t>(trace::RecordKind::kMisuse)) {
      relocks += rec.As<trace::Misuse>().misuse_kind ==
                 static_cast<uint8_t>(trace::MisuseKind::kRelockNonRecursive);
    }
    if (rec.kind == static_cast<uint8_t>(trace::RecordKind::kAcquire)) {
      saw_reentrant |= (rec.flags & trace::kAcqReentrant) != 0;
    }
    if (rec.kind == static_cast<uint8_t>(trace::RecordKind::kLockDef)) {
      auto d = rec.As<trace::LockDef>();
      if (d.address == reinterpret_cast<uintptr_t>(&r)) {
        EXPECT_TRUE(d.attrs & trace::kAttrRecursive);
        EXPECT_TRUE(d.attrs & trace::kAttrStaticInitializer);
      }
      if (d.address == reinterpret_cast<uintptr_t>(&e)) {
        EXPECT_TRUE(d.attrs & trace::kAttrErrorCheck);
        EXPECT_TRUE(d.attrs & trace::kAttrInitCalled);
      }
    }
  }
  EXPECT_EQ(relocks, 1);
  EXPECT_TRUE(saw_reentrant);
}

TEST_F(RtThreadStateTest, UnlockMisuseAndDestroyGenerations) {
  Init("max_threads=8");
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_t never_seen = PTHREAD_MUTEX_INITIALIZER;
  Lock(&m);
  Unlock(&m);
  BeforeRelease(g_, ts_, &m, LockKind::kMutex);           // not held: kUnlockNotHeld
  BeforeRelease(g_, ts_, &never_seen, LockKind::kMutex);  // unknown lock: silent
  Lock(&m);
  BeforeLockDestroy(g_, ts_, &m, LockKind::kMutex);  // held: kDestroyHeld
  EXPECT_EQ(ts_->n_held, 0u);
  pthread_mutex_unlock(&m);
  Lock(&m);  // a new lock at the same address: generation 1
  Unlock(&m);
  auto rs = ReadRecords(file_);
  std::vector<uint8_t> kinds;
  std::vector<trace::LockDef> defs;
  for (auto& r : rs) {
    if (r.kind == static_cast<uint8_t>(trace::RecordKind::kMisuse)) {
      kinds.push_back(r.As<trace::Misuse>().misuse_kind);
    }
    if (r.kind == static_cast<uint8_t>(trace::RecordKind::kLockDef)) defs.push_back(r.As<trace::LockDef>());
  }
  ASSERT_EQ(kinds.size(), 2u);
  EXPECT_EQ(kinds[0], static_cast<uint8_t>(trace::MisuseKind::kUnlockNotHeld));
  EXPECT_EQ(kinds[1], static_cast<uint8_t>(trace::MisuseKind::kDestroyHeld));
  ASSERT_EQ(defs.size(), 2u);
  EXPECT_EQ(defs[0].generation, 0u);
  EXPECT_EQ(defs[1].generation, 1u);
  EXPECT_NE(defs[0].lock_id, defs[1].lock_id);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockDestroy), 1);
}

TEST_F(RtThreadStateTest, CondWaitReleasesAndReacquires) {
  Init("max_threads=8");
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER, m2 = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  Lock(&m);
  CondWaitOp op;
  BeforeCondWait(g_, ts_, &op, &c, &m);
  EXPECT_EQ(ts_->n_held, 0u);
  EXPECT_EQ(ts_->slot->state, static_cast<uint32_t>(trace::ThreadState::kBlocked));
  EXPECT_EQ(ts_->slot->wait_kind, static_cast<uint8_t>(trace::WaitKind::kCond));
  EXPECT_EQ(ts_->slot->wait_object, reinterpret_cast<uintptr_t>(&c));
  AfterCondWait(g_, ts_, &op, ETIMEDOUT);
  EXPECT_EQ(ts_->n_held, 1u);
  EXPECT_EQ(ts_->slot->state, static_cast<uint32_t>(trace::ThreadState::kRunning));
  Unlock(&m);
  Lock(&m2);
  BeforeCondWait(g_, ts_, &op, &c, &m2);  // second mutex on the same condvar
  AfterCondWait(g_, ts_, &op, 0);
  BeforeCondWait(g_, ts_, &op, &c, &m2);  // reported once only
  AfterCondWait(g_, ts_, &op, 0);
  Unlock(&m2);
  auto rs = ReadRecords(file_);
  int two = 0;
  for (auto& r : rs) {
    if (r.kind == static_cast<uint8_t>(trace::RecordKind::kMisuse)) {
      auto mu = r.As<trace::Misuse>();
      EXPECT_EQ(mu.misuse_kind, static_cast<uint8_t>(trace::MisuseKind::kCondTwoMutexes));
      EXPECT_NE(mu.lock_id, mu.other_id);
      ++two;
    }
  }
  EXPECT_EQ(two, 1);
}

// A signal that finds no waiter is remembered on the condvar and copied into the slot of the
// next waiter; a signal that wakes someone clears it. Each wake-up bumps the condvar's bucket of
// the wake table (and only that one) before the next wait copies it.
TEST_F(RtThreadStateTest, LostSignalIsCopiedIntoTheNextWaitersSlot) {
  Init("max_threads=8");
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_cond_t other = PTHREAD_COND_INITIALIZER;
  auto* table = reinterpret_cast<uint64_t*>(reinterpret_cast<uint8_t*>(g_writer.header()) +
                                            trace::kWakeTableOffset);
  ASSERT_NE(g_writer.header()->feature_bits & trace::kFeatureWakeTable, 0u);
  const uint32_t bucket = trace::WakeBucket(reinterpret_cast<uintptr_t>(&c));
  const uint64_t before = table[bucket];
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false);  // nobody waits on c: lost
  const uint64_t first = table[bucket];
  EXPECT_NE(first, before);  // each wake-up stores a stamp no other one wrote
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false);
  EXPECT_NE(table[bucket], first);
  OnCondSignal(g_, ts_, &other, /*broadcast=*/true);
  Lock(&m);
  CondWaitOp op;
  BeforeCondWait(g_, ts_, &op, &c, &m);
  EXPECT_EQ(ts_->slot->wait_lost_signal_tid, ts_->tid);
  EXPECT_NE(ts_->slot->wait_lost_signal_stack_id, 0u);
  EXPECT_NE(ts_->slot->wait_lost_signal_ns, 0u);
  EXPECT_LE(ts_->slot->wait_lost_signal_ns, ts_->slot->wait_since_ns);
  EXPECT_EQ(ts_->slot->wait_object_epoch, table[bucket]);  // the other condvar did not count
  AfterCondWait(g_, ts_, &op, 0);
  // A signal that finds a waiter (glibc's waiter count in __wrefs, faked here) clears it.
  c.__data.__wrefs += 8;
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false);
  c.__data.__wrefs -= 8;
  BeforeCondWait(g_, ts_, &op, &c, &m);
  EXPECT_EQ(ts_->slot->wait_lost_signal_tid, 0u);
  EXPECT_EQ(ts_->slot->wait_lost_signal_ns, 0u);
  AfterCondWait(g_, ts_, &op, 0);
  Unlock(&m);
}

// A run of lost signals from one thread and call site (the interceptor's frame: return address
// and frame address) keeps the first one's evidence and stores nothing; another site, or a
// signal that woke a waiter in between, records anew.
TEST_F(RtThreadStateTest, RepeatedLostSignalsFromOneSiteKeepTheFirstOnesTime) {
  Init("max_threads=8");
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  const TwoCallSites sites;
  const uintptr_t fp_a = sites.fp_a(), fp_b = sites.fp_b();
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false, fp_a);
  CondEntry* e = FindCond(reinterpret_cast<uintptr_t>(&c), false);
  ASSERT_NE(e, nullptr);
  const uint64_t who = e->lost_who.load();
  const uint64_t first_ns = e->lost_ns.load();
  EXPECT_EQ(who >> 32, ts_->tid);
  EXPECT_NE(first_ns, 0u);
  e->lost_ns.store(first_ns - 1);  // marks what a new record would overwrite
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false, fp_a);
  EXPECT_EQ(e->lost_who.load(), who);
  EXPECT_EQ(e->lost_ns.load(), first_ns - 1);  // the repeat stored nothing
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false, fp_b);  // another call site
  EXPECT_GE(e->lost_ns.load(), first_ns);
  e->lost_ns.store(0);
  c.__data.__wrefs += 8;  // a signal that finds a waiter clears the evidence
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false, fp_b);
  c.__data.__wrefs -= 8;
  EXPECT_EQ(e->lost_who.load(), 0u);
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false, fp_b);  // lost again: recorded again
  EXPECT_EQ(e->lost_who.load() >> 32, ts_->tid);
  EXPECT_NE(e->lost_ns.load(), 0u);
  e->lost_ns.store(0);
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false);  // no frame known: always recorded
  EXPECT_NE(e->lost_ns.load(), 0u);
}

// The interceptors' fast path (CondSignalFast) settles only the signals the memo knows: a repeat
// of this thread's lost signal from one call site stores nothing but the wake stamp, a waiter
// clears the evidence. A lost signal from another site, a condvar without a memo slot, and a
// nested call are left to the general path untouched.
TEST_F(RtThreadStateTest, FastSignalPathSettlesOnlyWhatTheMemoKnows) {
  Init("max_threads=8");
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  const TwoCallSites sites;
  const uintptr_t fp_a = sites.fp_a(), fp_b = sites.fp_b();
  auto fast = [](pthread_cond_t* cv, uintptr_t fp) {  // as from an interceptor: not nested
    const uint32_t gate = t_tls.gate;
    t_tls.gate = 0;
    const bool settled = CondSignalFast(cv, fp);
    EXPECT_EQ(t_tls.gate, 0u);
    t_tls.gate = gate;
    return settled;
  };
  auto* table = reinterpret_cast<uint64_t*>(reinterpret_cast<uint8_t*>(g_writer.header()) +
                                            trace::kWakeTableOffset);
  uint64_t* stamp = &table[trace::WakeBucket(reinterpret_cast<uintptr_t>(&c))];
  uint64_t seen = *stamp;
  EXPECT_FALSE(fast(&c, fp_a));  // never signalled by this thread: no memo slot
  EXPECT_EQ(*stamp, seen);
  EXPECT_EQ(FindCond(reinterpret_cast<uintptr_t>(&c), false), nullptr);
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false, fp_a);  // the general path: lost, recorded
  CondEntry* e = FindCond(reinterpret_cast<uintptr_t>(&c), false);
  ASSERT_NE(e, nullptr);
  const uint64_t who = e->lost_who.load();
  const uint64_t first_ns = e->lost_ns.load();
  ASSERT_EQ(who >> 32, ts_->tid);
  e->lost_ns.store(first_ns - 1);  // marks what a new record would overwrite
  seen = *stamp;
  EXPECT_TRUE(fast(&c, fp_a));  // the repeat
  EXPECT_NE(*stamp, seen);      // a waiter may be woken: stamped all the same
  EXPECT_EQ(e->lost_who.load(), who);
  EXPECT_EQ(e->lost_ns.load(), first_ns - 1);
  seen = *stamp;
  EXPECT_FALSE(fast(&c, fp_b));  // another call site: a lost signal to record, by the general path
  EXPECT_EQ(*stamp, seen);
  EXPECT_EQ(e->lost_ns.load(), first_ns - 1);
  OnCondSignal(g_, ts_, &c, /*broadcast=*/false, fp_b);
  EXPECT_GE(e->lost_ns.load(), first_ns);
  EXPECT_TRUE(fast(&c, fp_b));  // and its repeat is settled here
  c.__data.__wrefs += 8;  // glibc's waiter count: this signal wakes someone
  EXPECT_TRUE(fast(&c, fp_b));
  c.__data.__wrefs -= 8;
  EXPECT_EQ(e->lost_who.load(), 0u);
  seen = *stamp;
  EXPECT_FALSE(CondSignalFast(&c, fp_b));  // nested (the fixture's guard): nothing done
  EXPECT_EQ(*stamp, seen);
  EXPECT_EQ(e->lost_who.load(), 0u);
}

// Wake stamps are unique per trace (cond_signal.h): a thread's first stamp and the one after its
// count wraps take a new base from the process-wide counter; in between, one count per stamp.
TEST_F(RtThreadStateTest, WakeStampsTakeANewBaseFirstAndAfterTheCountWraps) {
  Init("max_threads=8");
  ThreadState other{};  // another thread's state: only its stamp is used
  const uint64_t a = TakeWakeStamp(&other);
  EXPECT_NE(a >> 32, 0u);
  EXPECT_EQ(a & 0xffffffffu, 1u);
  EXPECT_EQ(TakeWakeStamp(&other), a + 1);
  EXPECT_EQ(other.wake_stamp, a + 1);
  other.wake_stamp = (a | 0xffffffffu) - 1;  // the count's last two values
  EXPECT_EQ(TakeWakeStamp(&other), a | 0xffffffffu);
  const uint64_t b = TakeWakeStamp(&other);  // wrapped: not (base + 1) << 32, another base
  EXPECT_GT(b >> 32, a >> 32);
  EXPECT_EQ(b & 0xffffffffu, 1u);
  other.wake_stamp = a | 0xffffffffu;  // the signal fast path leaves a wrap to the general path
  uint64_t stamp = 0;
  EXPECT_FALSE(TryTakeWakeStamp(&other, &stamp));
  EXPECT_EQ(other.wake_stamp, 0u);  // which then takes a new base
  EXPECT_GT(TakeWakeStamp(&other) >> 32, b >> 32);
  const uint64_t mine = TakeWakeStamp(ts_);
  EXPECT_NE(mine >> 32, a >> 32);
  EXPECT_NE(mine >> 32, b >> 32);
}

TEST_F(RtThreadStateTest, BinarySemaphoreIsALockUntilANonHolderPostsIt) {
  Init("max_threads=8");
  sem_t sem;
  ASSERT_EQ(sem_init(&sem, 0, 1), 0);
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  EXPECT_FALSE(SemAsLock(ts_, &sem));  // not registered by a sem_init(…, 1)
  AfterLockInit(g_, ts_, &sem, LockKind::kSemaphore, 0);
  ASSERT_TRUE(SemAsLock(ts_, &sem));
  AcquireOp op;
  BeginAcquire(g_, ts_, &op, &sem, LockKind::kSemaphore, LockMode::kExclusive);
  EndAcquire(g_, ts_, &op, 0);
  EXPECT_EQ(ts_->n_held, 1u);
  EXPECT_FALSE(SemAsLock(ts_, &sem));  // held: a second wait by this thread is a plain wait
  Lock(&m);                            // m ordered after the semaphore
  Unlock(&m);
  BeforeSemPost(g_, ts_, &sem);  // the holder posts: a release
  EXPECT_EQ(ts_->n_held, 0u);
  EXPECT_TRUE(SemAsLock(ts_, &sem));
  BeforeSemPost(g_, ts_, &sem);  // a post without holding it: the semaphore signals
  BeforeSemPost(g_, ts_, &sem);  // said once
  EXPECT_FALSE(SemAsLock(ts_, &sem));
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kSemSignal), 1);
  EXPECT_EQ(Count(rs, trace::RecordKind::kMisuse), 0);  // the holder's post was no misuse
  uint32_t sem_id = 0;
  for (auto& r : rs) {
    if (r.kind != static_cast<uint8_t>(trace::RecordKind::kLockDef)) continue;
    auto def = r.As<trace::LockDef>();
    if (def.address == reinterpret_cast<uintptr_t>(&sem)) {
      EXPECT_EQ(def.lock_kind, static_cast<uint8_t>(LockKind::kSemaphore));
      sem_id = def.lock_id;
    }
  }
  ASSERT_NE(sem_id, 0u);
  bool ordered = false;
  for (auto& r : rs) {
    if (r.kind == static_cast<uint8_t>(trace::RecordKind::kSemSignal)) {
      EXPECT_EQ(r.As<trace::SemSignal>().lock_id, sem_id);
    }
    if (r.kind != static_cast<uint8_t>(trace::RecordKind::kAcquire)) continue;
    auto a = r.As<trace::Acquire>();
    if (a.n_held != 1) continue;
    trace::HeldEntry h;
    memcpy(&h, r.bytes.data() + sizeof(trace::Acquire), sizeof(h));
    ordered |= h.lock_id == sem_id;
  }
  EXPECT_TRUE(ordered) << "the mutex acquisition does not carry the held semaphore";
  sem_destroy(&sem);
}

TEST_F(RtThreadStateTest, LockUnlockBookkeepingAllocatesNothing) {
  Init("max_threads=8:full_events=1");
  std::vector<pthread_mutex_t> ms(64);
  for (auto& m : ms) pthread_mutex_init(&m, nullptr);
  pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  // Warm up: first sights register locks and stacks (also allocation-free, but keep it honest).
  Lock(&ms[0]);
  WaitHere(g_, ts_, &cv, &ms[0]);
  Unlock(&ms[0]);
#if defined(LOCKSCOPE_TEST_ASAN)
  ASSERT_NE(g_hooks_installed, 0) << "ASan refused the counting allocation hooks";
#endif
  {  // The counter itself works (else the check below could never fail).
    const long probe = g_allocs.load();
    void* volatile p = malloc(24);
    free(p);
    ASSERT_GT(g_allocs.load(), probe);
  }
  const long before = g_allocs.load();
  for (int round = 0; round < 200; ++round) {
    for (auto& m : ms) Lock(&m);  // 64 held: the held array grows by mmap
    WaitHere(g_, ts_, &cv, &ms[63]);  // condvar wait and signal bookkeeping too
    OnCondSignal(g_, ts_, &cv, /*broadcast=*/false);
    OnTryAcquire(g_, ts_, &rw, LockKind::kRwLock, LockMode::kShared, trace::kAcqTry, 0);
    BeforeRelease(g_, ts_, &rw, LockKind::kRwLock);
    for (auto it = ms.rbegin(); it != ms.rend(); ++it) Unlock(&*it);
  }
  EXPECT_EQ(g_allocs.load() - before, 0);
  EXPECT_TRUE(RuntimeActive());
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
