// The recording fast paths through the core API: call-site keys behind wrappers, held-set
// hashing, the condvar wait-site memo, the hot cache's index and busy hot acquisitions, per-lock
// statistics at thread exit.

#include <pthread.h>

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "hot_path.h"
#include "lock_stats.h"
#include "lock_table.h"
#include "rt_thread_state_fixture.h"
#include "thread_state.h"

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

// The hot path keys its entries on the held set's depth and hash in one word and pushes without
// testing the depth: that is safe because no entry is ever made at depth kHotMaxHeld or beyond
// (the held stack's inline part and the slot's mirror end there).
TEST_F(RtFastPathTest, HeldCtxIsDepthAndHashAndNoHotEntryIsMadeTooDeep) {
  Init("max_threads=8");
  constexpr uint32_t kLocks = ThreadState::kHotMaxHeld + 8;
  pthread_mutex_t m[kLocks];
  for (auto& x : m) pthread_mutex_init(&x, nullptr);
  for (int round = 0; round < 2; ++round) {
    for (uint32_t k = 0; k < kLocks; ++k) Lock(&m[k]);
    EXPECT_EQ(static_cast<uint32_t>(ts_->held_ctx), kLocks);  // the depth, in the low half
    EXPECT_EQ(ts_->held_ctx >> 32, ts_->held_hash);
    Unlock(&m[3]);  // out of order: the word stays the depth and the sum of the others
    uint32_t sum = 0;  // a rescan of what is held
    for (uint32_t i = 0; i < ts_->n_held; ++i) sum += HeldHash32(ts_->held[i].lock_id, 0);
    EXPECT_EQ(ts_->held_ctx, uint64_t{sum} << 32 | (kLocks - 1));
    for (uint32_t k = kLocks; k-- > 0;) {
      if (k != 3) Unlock(&m[k]);
    }
    EXPECT_EQ(ts_->held_ctx, 0u);
  }
  uint32_t made = 0;
  for (uint32_t i = 0; i < ThreadState::kHotSlots; ++i) {
    const HotEntry& e = ts_->hot[i];
    if (e.key == 0) continue;
    ++made;
    EXPECT_LT(static_cast<uint32_t>(e.ctx), ThreadState::kHotMaxHeld) << "entry " << i;
  }
  // The shallow ones are there, but for the odd pair whose index collides in the direct-mapped
  // cache (one of ~31 entries in 512 slots: about one pair per run).
  EXPECT_GT(made, ThreadState::kHotMaxHeld / 2);
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

// Test doubles of the hot path's real calls for the busy-lock test below: a trylock that finds
// the lock busy, the general path (counts its calls), and the blocking call (HotBlocking), which
// notes what the thread's slot shows while it blocks, then takes the lock.
struct SlotView {
  uint32_t state, n_held, wait_lock_id;
  uint8_t wait_kind;
};
int g_slow_calls = 0;
SlotView g_blocked_view{};
int BusyTry(pthread_mutex_t*) { return EBUSY; }
int CountingSlow(pthread_mutex_t* m) {
  ++g_slow_calls;
  return pthread_mutex_lock(m);
}
SlotView ViewOf(const trace::ThreadSlot* s) {
  return {s->state, s->n_held, s->wait_lock_id, s->wait_kind};
}

}  // namespace

template <>
struct HotBlocking<pthread_mutex_t, CountingSlow> {
  static int Call(pthread_mutex_t* m) {
    g_blocked_view = ViewOf(t_tls.state->slot);
    return pthread_mutex_lock(m);
  }
};

namespace {

// A hit whose lock stays busy (two trylocks) blocks without leaving the hot path: the slot shows
// the wait and not the lock, the acquisition is counted contended, and its release is the hot one.
TEST_F(RtFastPathTest, BusyHotAcquisitionWaitsOnTheHotPath) {
  Init("max_threads=8");
  pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
  Lock(&a);  // the general path fills a's hot entry
  Unlock(&a);
  HotEntry* e = nullptr;
  for (uint32_t i = 0; i < ThreadState::kHotSlots; ++i) {
    if (ts_->hot[i].key == HotKey(reinterpret_cast<uintptr_t>(&a), 0)) e = &ts_->hot[i];
  }
  ASSERT_NE(e, nullptr);
  const uint32_t fixture_gate = t_tls.gate;  // the fixture's guard; the hot path runs with none
  t_tls.gate = 0;
  const int rc = HotPushAndTry<LockMode::kExclusive, pthread_mutex_t, CountingSlow>(
      ts_, e, &a, ts_->n_held, [] { return &BusyTry; }, false);
  const uint32_t gate_after = t_tls.gate;
  const bool hot_release = rc == 0 && HotRelease(&a);
  t_tls.gate = fixture_gate;
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(gate_after, 0u);
  EXPECT_EQ(g_slow_calls, 0);  // never the general path
  EXPECT_EQ(g_blocked_view.state, static_cast<uint32_t>(trace::ThreadState::kBlocked));
  EXPECT_EQ(g_blocked_view.wait_kind, static_cast<uint8_t>(trace::WaitKind::kLock));
  EXPECT_EQ(g_blocked_view.wait_lock_id, e->lock_id);
  EXPECT_EQ(g_blocked_view.n_held, 0u);  // not shown held while waiting for it
  EXPECT_TRUE(hot_release);
  EXPECT_EQ(ts_->slot->state, static_cast<uint32_t>(trace::ThreadState::kRunning));
  EXPECT_EQ(ts_->n_held, 0u);
  pthread_mutex_unlock(&a);
  ExitThread(g_, ts_, /*release=*/false);
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Acquires(rs).size(), 1u);  // the busy acquisition repeats a known dependency
  int seen = 0;
  for (auto& r : rs) {
    if (r.kind != static_cast<uint8_t>(trace::RecordKind::kLockStats)) continue;
    auto st = r.As<trace::LockStats>();
    if (st.lock_id != e->lock_id) continue;
    ++seen;
    EXPECT_EQ(st.acquisitions, 2u);
    EXPECT_EQ(st.contended, 1u);
    EXPECT_LE(st.wait_max_ns, st.wait_total_ns);
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
