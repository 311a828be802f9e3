// Recording policy through the core API (what the interceptors call): dedup, epochs, held-set
// mirroring, misuse reports, 1 000 locks held at once, and — with a counting malloc — that the
// lock/unlock bookkeeping path allocates nothing.

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

#include "lock_stats.h"
#include "lock_table.h"
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

using trace::LockKind;
using trace::LockMode;

struct Rec {
  uint8_t kind;
  uint8_t flags;
  std::string bytes;
  template <class T>
  T As() const {
    T t;
    memcpy(&t, bytes.data(), sizeof(T));
    return t;
  }
};

std::vector<Rec> ReadRecords(const std::string& path) {
  std::string b;
  int fd = open(path.c_str(), O_RDONLY);
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) b.append(buf, static_cast<size_t>(n));
  close(fd);
  trace::FileHeader fh;
  memcpy(&fh, b.data(), sizeof(fh));
  std::vector<Rec> out;
  for (size_t off = fh.chunks_offset; off + 32 <= b.size();) {
    trace::ChunkHeader ch;
    memcpy(&ch, b.data() + off, sizeof(ch));
    if (ch.magic != trace::kChunkMagic) {
      off += 4096;
      continue;
    }
    for (size_t p = 32; p < ch.used_bytes;) {
      trace::RecordHeader h;
      memcpy(&h, b.data() + off + p, sizeof(h));
      if (h.size < 8) break;
      out.push_back({h.kind, h.flags, b.substr(off + p, h.size)});
      p += h.size;
    }
    off += ch.capacity_bytes;
  }
  return out;
}

int Count(const std::vector<Rec>& rs, trace::RecordKind k) {
  int n = 0;
  for (auto& r : rs) n += r.kind == static_cast<uint8_t>(k);
  return n;
}

class RtThreadStateTest : public ::testing::Test {
 protected:
  void Init(const char* options) {
    char tmpl[] = "/tmp/lockscope_rt_ts_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string path = dir_ + "/t.lstrace";
    ASSERT_TRUE(InitRuntime(g_, path.c_str(), options, nullptr));
    file_ = g_writer.path();
    ts_ = t_tls.state;
    ASSERT_NE(ts_, nullptr);
  }
  void TearDown() override {
    TestOnlyShutdown();
    std::string cmd = "rm -rf " + dir_;
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  void Lock(pthread_mutex_t* m) {
    AcquireOp op;
    BeginAcquire(g_, ts_, &op, m, LockKind::kMutex, LockMode::kExclusive);
    int rc = pthread_mutex_trylock(m);
    if (rc == EBUSY) {
      BeginBlockedAcquire(g_, ts_, &op);
      rc = pthread_mutex_lock(m);
      EndBlockedAcquire(g_, ts_, &op);
    }
    EndAcquire(g_, ts_, &op, rc);
  }
  void Unlock(pthread_mutex_t* m) {
    BeforeRelease(g_, ts_, m, LockKind::kMutex);
    pthread_mutex_unlock(m);
  }
  ReentryGuard g_;
  std::string dir_, file_;
  ThreadState* ts_ = nullptr;
};

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
  AfterLockInit(g_, ts_, &e, LockKind::kMutex);
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
  const uintptr_t site_a[2] = {0, 0x1111};  // fake interceptor frames: saved fp, return address
  const uintptr_t site_b[2] = {0, 0x2222};
  const auto fp_a = reinterpret_cast<uintptr_t>(site_a);
  const auto fp_b = reinterpret_cast<uintptr_t>(site_b);
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
// clears the evidence, another site is recorded. A condvar without a memo slot, and a nested
// call, are left to the general path untouched.
TEST_F(RtThreadStateTest, FastSignalPathSettlesOnlyWhatTheMemoKnows) {
  Init("max_threads=8");
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  const uintptr_t site_a[2] = {0, 0x1111};  // fake interceptor frames: saved fp, return address
  const uintptr_t site_b[2] = {0, 0x2222};
  const auto fp_a = reinterpret_cast<uintptr_t>(site_a);
  const auto fp_b = reinterpret_cast<uintptr_t>(site_b);
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
  EXPECT_TRUE(fast(&c, fp_b));  // another call site: recorded here
  EXPECT_GE(e->lost_ns.load(), first_ns);
  c.__data.__wrefs += 8;  // glibc's waiter count: this signal wakes someone
  EXPECT_TRUE(fast(&c, fp_b));
  c.__data.__wrefs -= 8;
  EXPECT_EQ(e->lost_who.load(), 0u);
  seen = *stamp;
  EXPECT_FALSE(CondSignalFast(&c, fp_b));  // nested (the fixture's guard): nothing done
  EXPECT_EQ(*stamp, seen);
  EXPECT_EQ(e->lost_who.load(), 0u);
}

TEST_F(RtThreadStateTest, BinarySemaphoreIsALockUntilANonHolderPostsIt) {
  Init("max_threads=8");
  sem_t sem;
  ASSERT_EQ(sem_init(&sem, 0, 1), 0);
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  EXPECT_FALSE(SemAsLock(ts_, &sem));  // not registered by a sem_init(…, 1)
  AfterLockInit(g_, ts_, &sem, LockKind::kSemaphore);
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

uint32_t WaitHere(const ReentryGuard& g, ThreadState* ts, pthread_cond_t* c, pthread_mutex_t* m);

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

namespace lockscope {
namespace rt {
namespace {

// Two out-of-line wrappers, like std::mutex::lock at -O0: every call reaches BeginAcquire from
// the same return address inside the wrapper, so only a deeper frame separates the call sites.
__attribute__((noinline)) void WrappedLock(const ReentryGuard& g, ThreadState* ts,
                                           pthread_mutex_t* m) {
  AcquireOp op;
  BeginAcquire(g, ts, &op, m, LockKind::kMutex, LockMode::kExclusive);
  int rc = pthread_mutex_trylock(m);
  EndAcquire(g, ts, &op, rc);
  asm volatile("" ::: "memory");  // keep the frame (no tail call)
}
__attribute__((noinline)) void WrappedUnlock(const ReentryGuard& g, ThreadState* ts,
                                             pthread_mutex_t* m) {
  BeforeRelease(g, ts, m, LockKind::kMutex);
  pthread_mutex_unlock(m);
  asm volatile("" ::: "memory");
}

// An interceptor's stand-in: a condvar wait whose call-site key starts at this frame, as
// LOCKSCOPE_FRAME() does in pthread_cond_wait. Returns the wait's stack id.
__attribute__((noinline)) uint32_t WaitHere(const ReentryGuard& g, ThreadState* ts,
                                            pthread_cond_t* c, pthread_mutex_t* m) {
  CondWaitOp op;
  BeforeCondWait(g, ts, &op, c, m, /*timed=*/false,
                 reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
  AfterCondWait(g, ts, &op, 0);
  asm volatile("" ::: "memory");
  return op.saved.stack_id;
}
// A wait wrapper (like std::condition_variable::wait): every wait reaches WaitHere from the same
// return address at the same depth, so only the wrapper's caller separates the call sites.
__attribute__((noinline)) uint32_t WrappedWait(const ReentryGuard& g, ThreadState* ts,
                                               pthread_cond_t* c, pthread_mutex_t* m) {
  const uint32_t id = WaitHere(g, ts, c, m);
  asm volatile("" ::: "memory");
  return id;
}

// Two call sites of the wrapper (out of line: the same return addresses on every call).
__attribute__((noinline)) void TwoWaitSites(const ReentryGuard& g, ThreadState* ts,
                                            pthread_cond_t* c, pthread_mutex_t* m, uint32_t* a,
                                            uint32_t* b) {
  *a = WrappedWait(g, ts, c, m);
  *b = WrappedWait(g, ts, c, m);
  asm volatile("" ::: "memory");
}

__attribute__((noinline)) void Repeat(int n, void (*fn)(void*, int), void* arg) {
  for (int i = 0; i < n; ++i) fn(arg, i);
  asm volatile("" ::: "memory");
}

std::vector<trace::Acquire> Acquires(const std::vector<Rec>& rs) {
  std::vector<trace::Acquire> out;
  for (auto& r : rs) {
    if (r.kind == static_cast<uint8_t>(trace::RecordKind::kAcquire)) {
      out.push_back(r.As<trace::Acquire>());
    }
  }
  return out;
}

class RtFastPathTest : public RtThreadStateTest {};

TEST_F(RtFastPathTest, CallSitesBehindOneWrapperStaySeparate) {
  Init("max_threads=8");
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
  for (int i = 0; i < 3; ++i) {
    WrappedLock(g_, ts_, &a);  // site 1
    WrappedUnlock(g_, ts_, &a);
    WrappedLock(g_, ts_, &a);  // site 2: same lock, same (empty) held set
    WrappedUnlock(g_, ts_, &a);
  }
  auto acq = Acquires(ReadRecords(file_));
  ASSERT_EQ(acq.size(), 2u);  // one per call site, repeats are cache hits
  EXPECT_NE(acq[0].stack_id, acq[1].stack_id);
}

TEST_F(RtFastPathTest, HeldStackIdComesFromTheCurrentSite) {
  Init("max_threads=8");
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
  uint32_t site1[2] = {0, 0}, site2[2] = {0, 0};
  for (int round = 0; round < 2; ++round) {  // round 1 is all cache hits
    WrappedLock(g_, ts_, &a);  // site 1
    site1[round] = ts_->held[0].stack_id;
    WrappedUnlock(g_, ts_, &a);
    WrappedLock(g_, ts_, &a);  // site 2
    site2[round] = ts_->held[0].stack_id;
    WrappedLock(g_, ts_, &b);  // edge a -> b, a taken at site 2
    WrappedUnlock(g_, ts_, &b);
    WrappedUnlock(g_, ts_, &a);
  }
  EXPECT_NE(site1[0], site2[0]);
  EXPECT_EQ(site1[1], site1[0]);  // a hit gives back the stack of the first capture at that site
  EXPECT_EQ(site2[1], site2[0]);
  auto rs = ReadRecords(file_);
  auto acq = Acquires(rs);
  ASSERT_EQ(acq.size(), 3u);
  ASSERT_EQ(acq[2].n_held, 1u);
  for (auto& r : rs) {
    if (r.kind != static_cast<uint8_t>(trace::RecordKind::kAcquire)) continue;
    if (r.As<trace::Acquire>().n_held != 1) continue;
    trace::HeldEntry h;
    memcpy(&h, r.bytes.data() + sizeof(trace::Acquire), sizeof(h));
    EXPECT_EQ(h.stack_id, site2[0]);
  }
}

TEST_F(RtFastPathTest, HeldSetHashFollowsPushAndPopInAnyOrder) {
  Init("max_threads=8");
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
  EXPECT_EQ(ts_->held_hash, 0u);
  Lock(&a);
  Lock(&b);
  EXPECT_NE(ts_->held_hash, 0u);
  Unlock(&a);  // out of order
  Unlock(&b);
  EXPECT_EQ(ts_->held_hash, 0u);
  Lock(&b);
  Lock(&a);  // b -> a: a new dependency, even though {a, b} was held before
  Unlock(&a);
  Unlock(&b);
  auto acq = Acquires(ReadRecords(file_));
  EXPECT_EQ(acq.size(), 4u);  // a, b|a, b, a|b
}

// The wait-site memo answers repeated waits (the stack ids it holds are what comes back), and
// keeps two call sites apart that differ only below the wrapper.
TEST_F(RtFastPathTest, CondWaitSiteMemoAnswersRepeatsAndKeepsDeeperSitesApart) {
  Init("max_threads=8");
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  Lock(&m);
  struct Rounds {
    const ReentryGuard* g;
    ThreadState* ts;
    pthread_cond_t* c;
    pthread_mutex_t* m;
    uint32_t a[2], b[2];
    int memos;
  } r{&g_, ts_, &c, &m, {0, 0}, {0, 0}, 0};
  // Both rounds wait from the same return addresses all the way up (one loop in Repeat).
  void (*volatile round_fn)(void*, int) = [](void* arg, int round) {
    auto* r = static_cast<Rounds*>(arg);
    if (round == 1) {
      for (WaitMemo& w : r->ts->wait_memo) {
        if (w.fp == 0) continue;
        ++r->memos;
        w.stack_id += 1000000;  // marks what only a memo hit can return
      }
    }
    TwoWaitSites(*r->g, r->ts, r->c, r->m, &r->a[round], &r->b[round]);
  };
  volatile int rounds = 2;  // not a constant Repeat could be specialized (and unrolled) for
  Repeat(rounds, round_fn, &r);
  const uint32_t* a = r.a;
  const uint32_t* b = r.b;
  EXPECT_EQ(r.memos, 2);
  ASSERT_NE(a[0], 0u);
  EXPECT_NE(a[0], b[0]);
  EXPECT_EQ(a[1], a[0] + 1000000);
  EXPECT_EQ(b[1], b[0] + 1000000);
  Unlock(&m);
}

// A memo hit skips the reacquire edge only when the same edge is already in the trace: another
// held set or a new epoch writes it again.
TEST_F(RtFastPathTest, CondWaitMemoSkipsOnlyReacquireEdgesAlreadyWritten) {
  Init("max_threads=8");
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER, outer = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  auto wait_edges = [&] {
    Lock(&m);
    for (int i = 0; i < 3; ++i) WaitHere(g_, ts_, &c, &m);
    Unlock(&m);
  };
  wait_edges();  // m at the lock site, m again at the wait site
  EXPECT_EQ(Acquires(ReadRecords(file_)).size(), 2u);
  Lock(&outer);
  wait_edges();  // outer -> m at both sites
  Unlock(&outer);
  EXPECT_EQ(Acquires(ReadRecords(file_)).size(), 5u);  // and outer itself
  AfterThreadCreate(g_, ts_, nullptr, 0);  // a pthread_create: new epoch
  wait_edges();
  auto acq = Acquires(ReadRecords(file_));
  ASSERT_EQ(acq.size(), 7u);
  EXPECT_EQ(acq[6].epoch, acq[5].epoch);
  EXPECT_NE(acq[6].epoch, acq[0].epoch);
  EXPECT_NE(acq[6].stack_id, acq[5].stack_id);  // the wait site's edge, not only the lock's
}

// The hot cache is direct-mapped: the mutexes of one array (a 32-shard map), taken from one
// call site with the same held set, must not share slots, or each pair misses every time.
TEST(RtHotIndexTest, LocksOfOneArrayGetDistinctSlots) {
  uint64_t seed = 0x1234567;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed;
  };
  for (uintptr_t stride : {16, 24, 32, 40, 48, 56, 64, 96, 128, 256}) {
    for (int trial = 0; trial < 100; ++trial) {
      const uintptr_t base = next() & ~uintptr_t{7};
      const uintptr_t ret = next();
      const uint64_t ctx = trial % 2 ? next() : 0;
      bool used[ThreadState::kHotSlots] = {};
      int collisions = 0;
      for (uintptr_t i = 0; i < 32; ++i) {
        const uint32_t slot = HotIndex(HotKey(base + i * stride, 0), ret, ctx);
        ASSERT_LT(slot, ThreadState::kHotSlots);
        collisions += used[slot];
        used[slot] = true;
      }
      EXPECT_EQ(collisions, 0) << "stride " << stride << " trial " << trial;
    }
  }
}

// When the hot path found a lock busy twice, the general path blocks with what the aborted hot
// entry knows (BeginBusyAcquire) — only for that lock, mode and held set, while the entry holds.
TEST_F(RtFastPathTest, BusyAcquisitionComesFromTheAbortedHotEntryOnly) {
  Init("max_threads=8");
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
  Lock(&a);  // the general path fills a's hot entry
  Unlock(&a);
  HotEntry* e = nullptr;
  for (uint32_t i = 0; i < ThreadState::kHotSlots; ++i) {
    if (ts_->hot[i].key == HotKey(reinterpret_cast<uintptr_t>(&a), 0)) e = &ts_->hot[i];
  }
  ASSERT_NE(e, nullptr);
  AcquireOp op;
  ts_->busy_hot = e;
  EXPECT_FALSE(BeginBusyAcquire(ts_, &op, &b, LockKind::kMutex, LockMode::kExclusive));
  EXPECT_EQ(ts_->busy_hot, nullptr);  // consumed either way
  EXPECT_FALSE(BeginBusyAcquire(ts_, &op, &a, LockKind::kMutex, LockMode::kExclusive));
  ts_->busy_hot = e;
  EXPECT_FALSE(BeginBusyAcquire(ts_, &op, &a, LockKind::kRwLock, LockMode::kShared));
  Lock(&b);
  ts_->busy_hot = e;
  EXPECT_FALSE(BeginBusyAcquire(ts_, &op, &a, LockKind::kMutex, LockMode::kExclusive));
  Unlock(&b);
  ts_->busy_hot = e;
  ASSERT_TRUE(BeginBusyAcquire(ts_, &op, &a, LockKind::kMutex, LockMode::kExclusive));
  EXPECT_TRUE(op.known);
  EXPECT_EQ(op.entry, e->entry);
  EXPECT_EQ(op.stack_id, e->stack_id);
  BeginBlockedAcquire(g_, ts_, &op);  // the interceptor blocks at once
  EXPECT_EQ(ts_->slot->state, static_cast<uint32_t>(trace::ThreadState::kBlocked));
  EXPECT_EQ(ts_->slot->wait_lock_id, e->entry->lock_id);
  int rc = pthread_mutex_lock(&a);
  EndBlockedAcquire(g_, ts_, &op);
  EndAcquire(g_, ts_, &op, rc);
  ASSERT_EQ(ts_->n_held, 1u);
  EXPECT_EQ(ts_->held[0].stack_id, e->stack_id);
  Unlock(&a);
  HotFlush(ts_);
  ts_->busy_hot = e;
  EXPECT_FALSE(BeginBusyAcquire(ts_, &op, &a, LockKind::kMutex, LockMode::kExclusive));
  ExitThread(g_, ts_, /*release=*/false);
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Acquires(rs).size(), 2u);  // a, b: the busy acquisition repeats a known dependency
  int seen = 0;
  for (auto& r : rs) {
    if (r.kind != static_cast<uint8_t>(trace::RecordKind::kLockStats)) continue;
    auto st = r.As<trace::LockStats>();
    if (st.lock_id != e->lock_id) continue;
    ++seen;
    EXPECT_EQ(st.acquisitions, 2u);
    EXPECT_EQ(st.contended, 1u);
  }
  EXPECT_EQ(seen, 1);
}

TEST_F(RtFastPathTest, LockStatsAreWrittenAtThreadExit) {
  Init("max_threads=8");
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
  for (int i = 0; i < 200; ++i) {
    Lock(&a);
    Unlock(&a);
  }
  AcquireOp op;  // one contended acquisition, through the blocking protocol
  BeginAcquire(g_, ts_, &op, &a, LockKind::kMutex, LockMode::kExclusive);
  BeginBlockedAcquire(g_, ts_, &op);
  int rc = pthread_mutex_lock(&a);
  EndBlockedAcquire(g_, ts_, &op);
  EndAcquire(g_, ts_, &op, rc);
  Unlock(&a);
  ExitThread(g_, ts_, /*release=*/false);
  std::vector<trace::LockStats> stats;
  for (auto& r : ReadRecords(file_)) {
    if (r.kind == static_cast<uint8_t>(trace::RecordKind::kLockStats)) {
      stats.push_back(r.As<trace::LockStats>());
    }
  }
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].acquisitions, 201u);
  EXPECT_EQ(stats[0].contended, 1u);
  EXPECT_EQ(stats[0].owner_changes, 1u);  // one thread: only the first acquisition
  EXPECT_EQ(stats[0].hold_samples, 201u / 64);
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
