// hot_path.h — the lock and unlock paths of a dependency the trace already holds.
//
// Why: an uncontended pthread_mutex_lock/unlock pair costs ~8 ns natively; the bookkeeping of
// the general path (lock-table cache, held-set scan, frame walk, site cache) costs several times
// that. Almost every acquisition repeats one the thread made before from the same place with the
// same locks held, so the interceptors first try this path:
//
//   lock:   t_state, re-entry depth and mode checks; one HotEntry probe keyed on (lock, mode,
//           interceptor frame, return address, held-set hash); the lock entry still live with
//           the same id; the deeper frames of the call-site key unchanged (only when the key
//           spans several frames). Then the push of the held entry, the real trylock and, when
//           it succeeds, the commit: its mirror in the live thread slot and the acquisition
//           counter (the only work inside the program's critical section). No clock read
//           (except one acquisition in 64 of a lock samples its hold time), no atomic
//           read-modify-write, no store to memory shared with other threads (the lock entry is
//           only read; the last owner, on its own line, is written only when ownership moves).
//           A busy lock (EBUSY) undoes the push and takes the general path, which times the wait
//           and writes its edge before blocking.
//   unlock: the innermost held entry was pushed here for this lock (HeldLock::hot_pop): pop it
//           (the held-set hash minus the entry's stored hash, the slot's count).
//
// Everything else — a miss, a busy lock, re-entry, full-event mode, deep held sets, spin-lock and
// annotated owners — takes the general path (thread_state.h), which also fills the hot cache.
// The held-set hash in the key means the lock is not held by this thread on a hit (a hit with the
// lock held would need a 64-bit collision of the held-set hash), so no scan is needed; a re-lock
// of a held non-recursive mutex makes trylock fail with EBUSY and the general path reports it.
// Signal handlers: the re-entry depth is raised from the push to the end of the commit, so a
// handler's own lock calls pass straight through, as on the general path.

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

// The frame of the exported interceptor, where the call-site key starts (use it in that function).
#define LOCKSCOPE_FRAME() reinterpret_cast<uintptr_t>(__builtin_frame_address(0))

namespace lockscope {
namespace rt {

// The entry for this acquisition, or null. `fp`: __builtin_frame_address(0) of the exported
// interceptor (the frame the call-site key starts from).
__attribute__((always_inline)) inline HotEntry* HotProbe(ThreadState* ts, uintptr_t addr,
                                                         uint8_t mode, uintptr_t fp) {
  const uintptr_t key = HotKey(addr, mode);
  const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
  const uintptr_t ret = frame[1];
  const uint64_t ctx = ts->held_hash;
  const uint32_t i = HotIndex(key, ret, ctx);
  HotEntry* e = &ts->hot[i];
  if (((e->key ^ key) | (e->ret ^ ret) | (e->fp ^ fp) | (e->ctx ^ ctx)) != 0) return nullptr;
  if (__builtin_expect(e->chain_n > 1, 0)) {
    // The frames were inside this thread's stack when the entry was made, so they are readable.
    const HotChain* c = &ts->hot_chain[i];
    if (frame[0] != c->f[0]) return nullptr;
    for (uint32_t k = 0; k + 1 < e->chain_n; ++k) {
      const auto* f = reinterpret_cast<const uintptr_t*>(c->f[k]);
      if (f[1] != c->r[k]) return nullptr;
      if (k + 2 < e->chain_n && f[0] != c->f[k + 1]) return nullptr;
    }
  }
  // The lock entry's (state, lock_id) word, in one load: kLive with the same id, or a miss.
  if (__atomic_load_n(reinterpret_cast<const uint64_t*>(&e->entry->state), __ATOMIC_ACQUIRE) !=
      e->live) {
    return nullptr;  // destroyed or re-registered; HotInsert replaces it (counting its hits)
  }
  return e;
}
static_assert(offsetof(LockEntry, lock_id) == offsetof(LockEntry, state) + 4 &&
              offsetof(LockEntry, state) % 8 == 0);

// A hit whose trylock returned neither 0 nor EBUSY: EndAcquire(rc) on the general path, which
// knows which errors still leave the lock acquired (EOWNERDEAD). Returns rc.
int HotFinish(ThreadState* ts, HotEntry* e, uintptr_t addr, trace::LockKind kind,
              trace::LockMode mode, int rc);

inline constexpr int kHotMiss = -1;

// Out of line (thread_state.cpp / lock_stats.cpp): a trylock that failed after the speculative
// push (undo it; EBUSY -> kHotMiss, other errors -> HotFinish), and the rare part of a commit
// (a hold-time sample, an owner change).
int HotAbort(int rc);
void HotCommitRare(ThreadState* ts, HeldLock* h, HotEntry* e);

// After the real trylock succeeded: mirror the held entry into the live thread slot and count.
// Everything is reloaded from TLS so that nothing has to survive the real call in a register.
// This is all the bookkeeping done while the lock is held: contended programs feel every
// instruction inside their critical sections, so the probe and the push come before the trylock.
template <trace::LockMode kMode>
__attribute__((always_inline)) inline int HotCommit() {
  ThreadState* ts = t_state;
  const uint32_t n = ts->n_held;
  HeldLock* h = &ts->held[n - 1];
  HotEntry* e = h->hot;
  trace::ThreadSlot* slot = ts->slot;  // non-null: HotInsert requires it
  memcpy(&slot->held[n - 1], &e->slot_entry, sizeof(trace::HeldEntry));
  __atomic_store_n(&slot->n_held, n, __ATOMIC_RELEASE);
  if (__builtin_expect((++e->hits & kHoldSampleMask) == 0, 0) ||
      (kMode == trace::LockMode::kExclusive &&
       __builtin_expect(e->last_owner->load(std::memory_order_relaxed) != ts->tid, 0))) {
    HotCommitRare(ts, h, e);
  }
  t_reentry_depth = 0;
  return 0;
}

// A blocking acquire through the hot path. Returns the call's result, or kHotMiss: nothing
// happened, take the general path. `real_try()` gives the real trylock. On a hit the held entry
// is pushed (thread-private, under the re-entry guard) before the real trylock, so that nothing
// but the lock's address has to live across the call; the slot mirror follows only once the
// trylock succeeded, so the live state never shows a lock the thread does not hold.
template <trace::LockKind kKind, trace::LockMode kMode, typename Lock, typename RealTry>
__attribute__((always_inline)) inline int HotAcquire(Lock* lock, RealTry real_try, uintptr_t fp) {
  ThreadState* ts = t_state;
  if (__builtin_expect(ts == nullptr || t_reentry_depth != 0 || !RuntimeActive(), 0)) {
    return kHotMiss;
  }
  const uint32_t n = ts->n_held;
  if (n >= ThreadState::kHotMaxHeld) return kHotMiss;
  const auto addr = reinterpret_cast<uintptr_t>(lock);
  HotEntry* e = HotProbe(ts, addr, static_cast<uint8_t>(kMode), fp);
  if (!e) return kHotMiss;
  t_reentry_depth = 1;  // before the push: a signal handler's locks must not see it
  HeldLock* h = &ts->held[n];
  memcpy(h, e, 32);  // addr (| mode), entry, lock_id, stack_id, count, mode, kind
  if (kMode != trace::LockMode::kExclusive) h->addr = addr;
  h->hold_start_ns = 0;
  h->hot = e;
  h->hot_pop = addr;
  const uint64_t next = e->next_ctx;
  h->hash = next - e->ctx;
  ts->held_hash = next;
  ts->n_held = n + 1;
  const int r = real_try()(lock);
  if (__builtin_expect(r != 0, 0)) return HotAbort(r);
  return HotCommit<kMode>();
}

// Before the real unlock. Returns true when the release was recorded here: the innermost held
// entry was pushed by the hot path for this lock and is still poppable there (HeldLock::hot_pop:
// held once, not a hold-time sample, same lock identity).
__attribute__((always_inline)) inline bool HotRelease(const void* lock) {
  ThreadState* ts = t_state;
  if (__builtin_expect(ts == nullptr || t_reentry_depth != 0 || !RuntimeActive(), 0)) {
    return false;
  }
  const uint32_t n = ts->n_held;
  if (n - 1 >= ThreadState::kHotMaxHeld) return false;  // also n == 0
  HeldLock* h = &ts->held[n - 1];
  if (h->hot_pop != reinterpret_cast<uintptr_t>(lock)) return false;
  ts->held_hash -= h->hash;
  ts->n_held = n - 1;
  __atomic_store_n(&ts->slot->n_held, n - 1, __ATOMIC_RELEASE);
  return true;
}

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_HOT_PATH_H_
