// hot_path.h — the lock and unlock paths of a dependency the trace already holds.
//
// Why: an uncontended pthread_mutex_lock/unlock pair costs ~8 ns natively; the bookkeeping of
// the general path (lock-table cache, held-set scan, frame walk, site cache) costs several times
// that. Almost every acquisition repeats one the thread made before from the same place with the
// same locks held, so the interceptors first try this path:
//
//   lock:   thread state and re-entry depth (one TLS block); one HotEntry probe keyed on (lock,
//           mode, interceptor frame, return address, held-set depth and hash); the lock's hot
//           word (one load: still the same lock, and this thread its last owner or not); the
//           deeper frames of the call-site key unchanged (only when the key
//           spans several frames: the entry's fp then carries a flag bit, so the common compare
//           fails into that check). Then, all before the real trylock: the acquisition count,
//           the push of the held entry and its mirror in the live thread slot (both written
//           only when they do not already hold what this entry pushed there: HeldLock::hot;
//           the held set's depth-and-hash word and the slot's count always). Stores are most of
//           a hit's cost (the real trylock's locked instruction waits for them). After the call
//           only the result is tested, so nothing has to survive it in a register and the
//           interceptor keeps no stack frame beyond its frame pointer. No clock read (except the
//           hold-time samples, lock_stats.h), no atomic read-modify-write, no
//           store to memory shared with other threads (the hot word is only read; it is written
//           only when ownership moves, after the lock is held). A busy lock (EBUSY)
//           gets one more trylock (HotFail), then blocks without leaving the hot path: the slot
//           shows the wait without the lock (HotWaitBegin), the real blocking call, and the wait
//           is counted (HotWaitEnd; the edge is already in the trace, as on every hit).
//   unlock: the innermost held entry was pushed here for this lock (HeldLock::hot_pop): pop it
//           (the held-set word minus the entry's stored delta, the slot's count).
// "The real trylock" / "the real unlock" below: glibc's, or for a default mutex and a default
// rwlock's read lock the same steps done inline with glibc's protocol (inline_locks.h; the
// interceptors pass it in as `real_try`).
//
// The live slot shows the lock from just before the real trylock: for the few nanoseconds of
// that call a reader (watchdog, thread dump) may see a running thread holding a lock it is about
// to get or, if it is busy, to wait for. A blocked thread's slot is always exact (HotWaitBegin
// takes the entry out of the slot's count before it publishes the wait), and the watchdog
// follows the waits of blocked threads only, twice in a row before it reports: the early view
// can delay a report by one scan, never make one up.
//
// Everything else — a miss, a busy lock, re-entry, full-event mode, deep held sets, spin-lock and
// annotated owners — takes the general path (thread_state.h), which also fills the hot cache.
// The held-set hash in the key means the lock is not held by this thread on a hit (a hit with the
// lock held would need a collision of the 32-bit held-set hash at the same depth), so no scan is
// needed; and a re-lock of a held non-recursive mutex makes trylock fail with EBUSY and the
// general path reports it.
// Signal handlers: the re-entry depth is raised from the push to the return of the real trylock,
// so a handler's own lock calls pass straight through, as on the general path.
//
// No runtime-mode check (RuntimeActive) here: only the general path, which checks it, fills the
// hot cache, so once the runtime gives up (DisableRuntime, from any thread) nothing new becomes
// hot and every miss passes through. Dependencies already cached
// keep being counted and mirrored into the thread's own slot: thread-private memory and the
// trace mapping, which stays mapped until exit (the trace is already marked disabled, and no
// record is written for a hit). The one case where that memory goes away, a fork child whose new
// trace cannot be opened, clears the thread state (ReinitAfterFork): its only thread then misses.

#ifndef LOCKSCOPE_RUNTIME_HOT_PATH_H_
#define LOCKSCOPE_RUNTIME_HOT_PATH_H_

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lock_stats.h"
#include "lock_table.h"
#include "runtime.h"
#include "thread_state.h"

namespace lockscope {
namespace rt {

// The deeper frames of a hot entry whose call-site key spans several (2 <= chain_n <= 5): the
// saved frame pointer and return address of each, from `frame` (the interceptor's) outwards.
// Only recorded frame addresses are read, each after the frame below it named it: they were
// inside this thread's stack when the entry was made, so they are readable.
__attribute__((always_inline)) inline bool HotChainMatches(const HotCold* c,
                                                           const uintptr_t* frame) {
  if (frame[0] != c->f[0]) return false;
  const uint32_t last = c->chain_n - 2;  // the last k to check
  const auto* f = reinterpret_cast<const uintptr_t*>(c->f[0]);
#pragma GCC unroll 4
  for (uint32_t k = 0; k < 4; ++k) {
    if (f[1] != c->r[k]) return false;
    if (k == last) return true;
    if (f[0] != c->f[k + 1]) return false;
    f = reinterpret_cast<const uintptr_t*>(c->f[k + 1]);
  }
  return true;
}

static_assert(offsetof(LockEntry, lock_id) == offsetof(LockEntry, state) + 4 &&
              offsetof(LockEntry, state) % 8 == 0);

// A hit whose trylock returned neither 0 nor EBUSY: EndAcquire(rc) on the general path, which
// knows which errors still leave the lock acquired (EOWNERDEAD). Returns rc.
int HotFinish(ThreadState* ts, HotEntry* e, uintptr_t addr, trace::LockKind kind,
              trace::LockMode mode, int rc);

inline constexpr int kHotMiss = -1;

// Out of line (thread_state.cpp / lock_stats.cpp): a trylock that failed after the speculative
// push, mirror and count (take them back; EBUSY -> kHotMiss, other errors -> HotFinish), and the
// rare part of a commit (a hold-time sample, an owner change), done once the lock is held.
int HotAbort(int rc);
void HotCommitRare(ThreadState* ts, HeldLock* h, HotEntry* e);

// The wait of a hit whose lock stayed busy (`h`: its pushed entry, the innermost). Begin: the
// slot shows the thread blocked on the lock and not holding it; returns the wait's start.
// End, after the real blocking call returned `rc`: the slot shows the thread running; rc == 0:
// holding the lock again, the wait counted (contended, total and max wait) and the commit's rare
// part done. Else HotAbort(rc) follows.
WaitStart HotWaitBegin(ThreadState* ts, const HeldLock* h);
void HotWaitEnd(ThreadState* ts, HeldLock* h, const WaitStart& w, int rc);

// The real blocking call of the lock a hot path with general path `Slow` takes: each interceptor
// file specializes it, { static int Call(Lock*); } (pthread_mutex_lock for MutexLock, ...).
template <typename Lock, int (*Slow)(Lock*)>
struct HotBlocking;

// Everything after a hit's push is a tail call or the real trylock itself: the interceptor keeps
// nothing but its frame pointer, and its misses and failures continue in `Slow` (the general
// path of the interceptor, noinline, taking the lock) with the interceptor's frame address, which
// the call-site key starts from.

// Opens the gate again after the real trylock of a hit. On x86-64 the TLS offset is loaded again
// here instead of being kept in a callee-saved register across the call (a push and a pop
// fewer; the compiler would keep it, as it cannot know the load is as cheap as the register).
__attribute__((always_inline)) inline void HotGateOpen() {
#if defined(__x86_64__)
  asm volatile(
      "movq _ZN9lockscope2rt5t_tlsE@gottpoff(%%rip), %%rax\n\t"
      "movl $0, %%fs:(%%rax)"
      :
      :
      : "rax", "memory");
#else
  t_tls.gate = 0;
#endif
}

// A trylock that failed after the push. EBUSY: one more trylock (a lock released meanwhile is an
// uncontended acquisition; measured: dropping it does not make the contended 2-thread loop
// faster), then the contended acquisition itself, still here: the push and the count stand, the
// slot shows the wait, the real blocking call (under the gate, so a signal handler's locks pass
// through, as on the general path), the wait counted. The dependency is already in the trace (a
// hit), and the release stays the hot one (hot_pop): the general path's setup, its push after
// the wait and its slower release only delayed the unlock the other thread waits for. Other
// errors (and EBUSY from the blocking call): take the push back (HotAbort) and go on to Slow.
template <typename Lock, int (*Slow)(Lock*)>
__attribute__((noinline)) int HotFail(int r, int (*real_try)(Lock*)) {
  ThreadState* ts = t_tls.state;
  HeldLock* h = &ts->held[ts->n_held - 1];
  auto* lock = reinterpret_cast<Lock*>(h->hot_pop);
  if (r == EBUSY && (r = real_try(lock)) == EBUSY) {
    const WaitStart w = HotWaitBegin(ts, h);
    r = HotBlocking<Lock, Slow>::Call(lock);
    HotWaitEnd(ts, h, w, r);
    if (r == 0) {
      t_tls.gate = 0;
      return 0;
    }
  } else if (r == 0) {
    HotCommitRare(ts, h, h->hot);  // acts only on a hold-time sample or an owner change
    t_tls.gate = 0;
    return 0;
  }
  r = HotAbort(r);
  return r != kHotMiss ? r : Slow(lock);
}

// The real trylock of a hit whose commit has a rare part (a hold-time sample or an owner change),
// done once the lock is held.
template <typename Lock, int (*Slow)(Lock*)>
__attribute__((noinline)) int HotTryRare(Lock* lock, int (*real_try)(Lock*)) {
  const int r = real_try(lock);
  if (r != 0) return HotFail<Lock, Slow>(r, real_try);
  ThreadState* ts = t_tls.state;
  HeldLock* h = &ts->held[ts->n_held - 1];
  HotCommitRare(ts, h, h->hot);
  t_tls.gate = 0;
  return 0;
}

// A hit from here on (the entry matches and its lock is live): push, mirror and count, then the
// real trylock. On a hit the held entry is pushed, mirrored into the live slot and counted (all
// thread-private or the thread's own slot, under the re-entry guard) before the real trylock,
// so a success returns at once.
// `moved`: this thread is not the lock's last exclusive owner (HotWordDiff).
template <trace::LockMode kMode, typename Lock, int (*Slow)(Lock*), typename RealTry>
__attribute__((always_inline)) inline int HotPushAndTry(ThreadState* ts, HotEntry* e, Lock* lock,
                                                        uint32_t n, RealTry real_try, bool moved) {
  const auto addr = reinterpret_cast<uintptr_t>(lock);
  // The count goes in before the call (HotAbort takes it back); the rare part needs the lock.
  // Counted first, before the push's stores (measured: ~0.5-1 ns less per pair than last).
  const bool rare = __builtin_expect(--e->left == 0, 0) || __builtin_expect(moved, 0);
  t_tls.gate = 1;  // before the push: a signal handler's locks must not see it
  HeldLock* h = &ts->held[n];
  trace::ThreadSlot* slot = ts->slot;  // non-null: HotInsert requires it
  // Both entries are written only when they do not already hold this push (HeldLock::hot): a
  // loop that takes the same lock at the same depth writes neither, and stores are most of
  // what a hit costs (the real trylock's locked instruction waits for them).
  if (h->hot != e || h->hot_pop != addr) {
    memcpy(h, e, 48);  // addr (| mode), entry, lock_id, stack_id, count, mode, kind, hash, 0
    if (kMode != trace::LockMode::kExclusive) h->addr = addr;
    h->hot = e;
    h->hot_pop = addr;
    memcpy(&slot->held[n], &e->slot_entry, sizeof(trace::HeldEntry));
  }
  ts->held_ctx = e->next_ctx;  // n + 1, and the hash with this entry
  __atomic_store_n(&slot->n_held, n + 1, __ATOMIC_RELEASE);
  if (rare) return HotTryRare<Lock, Slow>(lock, real_try());
  const int r = real_try()(lock);
  if (__builtin_expect(r != 0, 0)) return HotFail<Lock, Slow>(r, real_try());
  HotGateOpen();
  return 0;
}

// The lock's hot word (HotWordOf: lock_id << 32 | last exclusive owner) against what the entry
// expects, in one load: the upper half differs when the lock is no longer the one cached
// (destroyed or re-registered: a miss; HotInsert replaces the entry, adding its hits to the
// counters), the lower half when another thread owned it last (an owner change to count).
inline uint64_t HotWordDiff(const HotEntry* e) {
  return e->word->load(std::memory_order_acquire) ^ e->live;
}

// A matching entry whose hot word differs (HotWordDiff): out of line, so the common hit tests
// the word with one compare. Another thread owned the lock last: a hit whose commit counts the
// owner change (exclusive mode; a shared entry expects whoever it saw last, so a reader takes
// this path once per writer, not on every hit); the lock is gone: a miss.
template <trace::LockMode kMode, typename Lock, int (*Slow)(Lock*), typename RealTry>
__attribute__((noinline)) int HotHitMoved(Lock* lock, RealTry real_try, HotEntry* e) {
  if ((HotWordDiff(e) >> 32) != 0) return Slow(lock);
  if (kMode != trace::LockMode::kExclusive) e->live = e->word->load(std::memory_order_relaxed);
  ThreadState* ts = t_tls.state;
  return HotPushAndTry<kMode, Lock, Slow>(ts, e, lock, ts->n_held, real_try,
                                          kMode == trace::LockMode::kExclusive);
}

// A matching entry: the push and the real trylock when its hot word is as expected.
template <trace::LockMode kMode, typename Lock, int (*Slow)(Lock*), typename RealTry>
__attribute__((always_inline)) inline int HotHit(ThreadState* ts, HotEntry* e, Lock* lock,
                                                 uint32_t n, RealTry real_try) {
  if (__builtin_expect(HotWordDiff(e) != 0, 0)) {
    return HotHitMoved<kMode, Lock, Slow>(lock, real_try, e);
  }
  return HotPushAndTry<kMode, Lock, Slow>(ts, e, lock, n, real_try, false);
}

// The rest of HotAcquire for an entry whose call-site key spans several frames: tail-called by
// the interceptor, so `fp` (its frame) is still this call's frame, and the hit path of
// single-frame keys has no loop and no register to save for one.
template <trace::LockMode kMode, typename Lock, int (*Slow)(Lock*), typename RealTry>
__attribute__((noinline)) int HotAcquireChain(Lock* lock, RealTry real_try, uintptr_t fp,
                                              HotEntry* e) {
  ThreadState* ts = t_tls.state;
  if (!HotChainMatches(HotColdOf(e), reinterpret_cast<const uintptr_t*>(fp))) return Slow(lock);
  return HotHit<kMode, Lock, Slow>(ts, e, lock, ts->n_held, real_try);
}

// A blocking acquire: the hot path when this acquisition repeats a known one, else `Slow(lock)`.
// `real_try()` gives the real trylock; `fp` is __builtin_frame_address(0) of the exported
// interceptor.
template <trace::LockKind kKind, trace::LockMode kMode, typename Lock, int (*Slow)(Lock*),
          typename RealTry>
__attribute__((always_inline)) inline int HotAcquire(Lock* lock, RealTry real_try, uintptr_t fp) {
  if (__builtin_expect(t_tls.gate != 0, 0)) return Slow(lock);
  ThreadState* ts = t_tls.state;
  // Depth and hash in one word: an entry matches only at the depth it was made at, which
  // HotInsert keeps below kHotMaxHeld, so a hit needs no test of the depth.
  const uint64_t ctx = ts->held_ctx;
  const auto n = static_cast<uint32_t>(ctx);
  const uintptr_t key = HotKey(reinterpret_cast<uintptr_t>(lock), static_cast<uint8_t>(kMode));
  const uintptr_t ret = reinterpret_cast<const uintptr_t*>(fp)[1];
  HotEntry* e = &ts->hot[HotIndex(key, ret, ctx)];
  const uintptr_t diff = (e->key ^ key) | (e->ret ^ ret) | (e->ctx ^ ctx);
  const uintptr_t dfp = e->fp ^ fp;  // kHotChainBit: the deeper frames need a look
  if (__builtin_expect((diff | dfp) != 0, 0)) {
    if (diff != 0 || dfp != kHotChainBit) return Slow(lock);
    return HotAcquireChain<kMode, Lock, Slow>(lock, real_try, fp, e);
  }
  return HotHit<kMode, Lock, Slow>(ts, e, lock, n, real_try);
}

// Before the real unlock. Returns true when the release was recorded here: the innermost held
// entry was pushed by the hot path for this lock and is still poppable there (HeldLock::hot_pop:
// held once, not a hold-time sample, same lock identity).
__attribute__((always_inline)) inline bool HotRelease(const void* lock) {
  if (__builtin_expect(t_tls.gate != 0, 0)) return false;
  ThreadState* ts = t_tls.state;
  const uint32_t n = ts->n_held;
  HeldLock* h = ts->held + n - 1;  // n == 0: the floor entry; n > kHotMaxHeld: hot_pop is 0
  if (h->hot_pop != reinterpret_cast<uintptr_t>(lock)) return false;
  ts->held_ctx -= h->hash;  // n - 1, and the hash without the entry
  __atomic_store_n(&ts->slot->n_held, n - 1, __ATOMIC_RELEASE);
  return true;
}

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_HOT_PATH_H_
