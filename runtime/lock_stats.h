// lock_stats.h — the lock fast path's per-thread caches, and the per-lock contention counters.
//
// Why: capturing a stack with backtrace() costs microseconds, and the common case — this thread
// already recorded this exact dependency from this exact place — must cost a few nanoseconds. So
// the runtime keys a per-thread cache on (epoch, lock id, mode, flags, held-set hash, call-site
// key), where the call-site key is a frame-pointer walk of the caller's innermost frames
// (CallSiteKey, stack_table.h), and captures the full stack only when that key is new. The cache
// gives back the stack id of the first capture, which the held-lock entry needs.
// A cache hit means "already written": the slow path inserts a key only after the (stack-id
// keyed) dedup set has decided, so the trace is the same as without the cache, except that two
// call paths with the same innermost frames share the first one's stack.
// Lock look-ups go through a 64-entry direct-mapped per-thread cache of (address -> LockEntry).
// In front of all of this sits the hot cache (HotEntry below, hot_path.h): once an acquisition
// went through here, its exact repeats skip this file's caches too.
//
// Contention counters (trace::LockStats): per thread and lock, in thread-private memory. The
// uncontended path only increments; the contended path times its wait (wait_clock.h); one
// acquisition in 64 of each lock (per thread) samples its hold time, fewer once the thread
// acquired it 16 384 times (HoldSampleMask: ~256 samples per doubling, so a lock taken millions
// of times stops paying for clock reads, which cost 20-160 ns on a VM without a usable vDSO
// clock).
// Written at thread exit and when the table fills.
// Thread-safety: everything here is touched by the owning thread only.

#ifndef LOCKSCOPE_RUNTIME_LOCK_STATS_H_
#define LOCKSCOPE_RUNTIME_LOCK_STATS_H_

#include <cstddef>
#include <cstdint>

#include "internal/reentry_guard.h"
#include "lock_table.h"
#include "runtime.h"
#include "thread_state.h"

namespace lockscope {
namespace rt {

struct SiteEntry {
  uint64_t key;  // DependencyKey(); 0 = empty
  uint32_t stack_id;
  uint32_t reserved;
};

struct LockStat {
  uint32_t lock_id;  // 0 = empty slot
  uint32_t reserved;
  uint64_t acquisitions;
  uint64_t contended;
  uint64_t wait_total_ns;
  uint64_t wait_max_ns;
  uint64_t hold_samples;
  uint64_t hold_total_ns;
  uint64_t hold_max_ns;
  uint64_t owner_changes;
};

// Acquisition number n (1-based, per thread and lock) samples its hold time when
// (n & HoldSampleMask(n)) == 0: one in 64 up to 16 384, then one in 2^(log2(n) - 8).
inline uint64_t HoldSampleMask(uint64_t n) {
  if (n < 16384) return 63;
  return (uint64_t{1} << (63 - __builtin_clzll(n) - 8)) - 1;
}
inline bool IsHoldSample(uint64_t n) { return (n & HoldSampleMask(n)) == 0; }
// After `total` acquisitions: how many more until the next sample.
inline uint64_t HoldSampleGap(uint64_t total) {
  return ((total | HoldSampleMask(total + 1)) + 1) - total;
}

// The hot cache (hot_path.h): one entry per (lock, mode, call site, held set) whose dependency is
// already in the trace, holding everything the held-set push needs. A hit skips the site cache,
// the lock cache, the held-set scan and the stack walk: the interceptor compares a few words,
// calls the real trylock and pushes. Entries are filled by EndAcquire after a successful blocking
// acquisition that went through the slow path; a hit is re-validated against the lock table
// (a destroyed or re-registered lock misses) and against the exact frames the call-site key was
// made of (SiteChain), so a hit means what a site-cache hit means.
// Everything a hit reads is in its two lines; the rest is in HotCold.
struct alignas(64) HotEntry {
  // First line: the held-entry template (HeldLock's first 48 bytes, copied as they are) and the
  // call site. The template's addr is the probe's key.
  uintptr_t key;      // lock address | mode; 0 = empty
  LockEntry* entry;
  uint32_t lock_id;   // == entry->lock_id while the entry is valid
  uint32_t stack_id;  // the acquisition's stack (what the site cache gave or captured)
  uint64_t held_tail; // HeldLock count (1), mode, kind
  uint64_t hash;      // HeldDelta(lock_id, mode) == next_ctx - ctx
  uint64_t no_sample; // 0, HeldLock::hold_start_ns (a sampled hit sets it afterwards)
  uintptr_t fp;       // SiteChain::fp (the interceptor's frame) | kHotChainBit if chain n > 1
  uintptr_t ret;      // SiteChain::ret (the innermost program return address)
  // Second line: the rest of a hit.
  uint64_t ctx;       // ThreadState::held_ctx before the acquisition
  uint64_t next_ctx;  //   ... and after it
  uint64_t live;      // *word while this lock is live and this thread its last owner
  trace::HeldEntry slot_entry;  // the thread slot's mirror of the held entry
  // Counts down to 0, the hit that samples its hold time: one decrement and branch per hit.
  // The acquisitions not yet added to the counters (HotFold) are HotCold::gap - left.
  uint64_t left;
  std::atomic<uint64_t>* word;  // HotWordOf(entry): lock_id << 32 | last exclusive owner
};
// What a hit does not read, at the same index: SiteChain::f / r (read only when chain_n > 1)
// and the counters' side.
struct alignas(64) HotCold {
  uintptr_t f[4];
  uintptr_t r[4];
  LockStat* stat;     // this thread's counters for the lock
  uint64_t gap;       // HotEntry::left when the hits were last added to stat
  uint32_t chain_n;   // SiteChain::n (> 1: f and r hold the deeper frames)
};
static_assert(sizeof(HotEntry) == 128);
static_assert(sizeof(HotCold) == sizeof(HotEntry));
// The HotCold of a hot entry: InitFastPath puts the kHotSlots HotCold right after the kHotSlots
// HotEntry, each the same size, so it is a fixed distance away (no load of ThreadState::hot_cold).
inline HotCold* HotColdOf(const HotEntry* e) {
  return reinterpret_cast<HotCold*>(const_cast<HotEntry*>(e + ThreadState::kHotSlots));
}
static_assert(offsetof(HotEntry, held_tail) == offsetof(HeldLock, count) &&
              offsetof(HotEntry, hash) == offsetof(HeldLock, hash) &&
              offsetof(HotEntry, no_sample) == offsetof(HeldLock, hold_start_ns) &&
              offsetof(HeldLock, hold_start_ns) + 8 == 48);

// The top bits of one multiply: a collision only costs a miss (the entry is compared in full),
// but a pair of colliding entries misses on every acquisition of either (the cache is direct-
// mapped), each a trip through the general path. The lock address is added, not xored: locks of
// one array (a sharded map's mutexes) then stay an arithmetic progression before the multiply,
// which spreads its points evenly over the table (Fibonacci hashing) instead of at random, where
// 32 of them in 512 slots collide about every second time.
inline uint32_t HotIndex(uintptr_t key, uintptr_t ret, uint64_t ctx) {
  static_assert(ThreadState::kHotSlots == 512);
  return static_cast<uint32_t>(((key + (ret ^ ctx)) * 0x9e3779b97f4a7c15ull) >> 55);
}
inline uintptr_t HotKey(uintptr_t addr, uint8_t mode) { return addr | mode; }
// In HotEntry::fp (frame addresses are 8-aligned): the call-site key spans several frames.
inline constexpr uintptr_t kHotChainBit = 1;
// After a successful slow-path acquisition (EndAcquire): remembers it when it qualifies.
// `ctx` = held_ctx before the push.
void HotInsert(ThreadState* ts, const AcquireOp* op, uint64_t ctx);
// Forgets every hot entry (epoch change, stat flush, fork, tests), adding their hits to the
// lock counters first.
void HotFlush(ThreadState* ts);
// Adds every hot entry's hits to its lock counters (before they are read).
void HotFoldAll(ThreadState* ts);

// Bytes the site cache and the stat table need (they follow the dedup set in the thread's mapping).
size_t FastPathBytes();
// Points ts->sites / ts->stats at `mem` (zeroed, FastPathBytes() long).
void InitFastPath(ThreadState* ts, uint8_t* mem);
// Forgets every cache and counter (fork child: they belong to the parent's trace; tests).
void ResetFastPath(ThreadState* ts);

inline uint64_t HeldHash(uint32_t lock_id, uint8_t mode) {
  uint64_t v = (uint64_t{lock_id} << 1 | mode) * 0x9e3779b97f4a7c15ull;
  return v ^ (v >> 29);
}
// A held entry's part of ThreadState::held_hash, and of held_ctx (hash and depth).
inline uint32_t HeldHash32(uint32_t lock_id, uint8_t mode) {
  return static_cast<uint32_t>(HeldHash(lock_id, mode) >> 32);
}
inline uint64_t HeldDelta(uint32_t lock_id, uint8_t mode) {
  return uint64_t{HeldHash32(lock_id, mode)} << 32 | 1;
}

// Direct-mapped: a thread pool's worker touches its queue lock and every shard lock in turn.
inline uint32_t LockCacheIndex(uintptr_t addr) {
  return static_cast<uint32_t>((addr >> 4) ^ (addr >> 12)) & (ThreadState::kLockCache - 1);
}
// The cached entry for `addr`, or null (also when the lock was destroyed or re-registered since).
inline LockCacheEntry* CachedLock(ThreadState* ts, uintptr_t addr) {
  LockCacheEntry* c = &ts->lock_cache[LockCacheIndex(addr)];
  if (c->addr != addr) return nullptr;
  if (c->entry->state.load(std::memory_order_acquire) == LockEntry::kLive &&
      c->entry->lock_id == c->lock_id) {
    return c;
  }
  c->addr = 0;
  return nullptr;
}
// Caches a live entry (replacing whatever shared its slot), with this thread's counters for it.
LockCacheEntry* CacheLock(const ReentryGuard& g, ThreadState* ts, uintptr_t addr, LockEntry* e);

// (epoch, lock, mode, flags, held set, call site) -> 64 bits. A collision would hide a
// dependency, so every part goes through a multiply before they are combined.
inline uint64_t DependencyKey(const ThreadState* ts, uint64_t site_key, uint32_t lock_id,
                              uint8_t mode, uint8_t flags) {
  uint64_t k = site_key + (uint64_t{ts->epoch} << 32 | lock_id) * 0xff51afd7ed558ccdull;
  k ^= ts->held_ctx + (uint64_t{flags} << 8 | mode) * 0xc4ceb9fe1a85ec53ull;
  k *= 0x9e3779b97f4a7c15ull;
  k ^= k >> 31;
  return k ? k : 1;
}
// Two-way set-associative: a key lives at `key & mask` or its neighbour.
inline bool SiteLookup(const ThreadState* ts, uint64_t key, uint32_t* stack_id) {
  const uint32_t i = static_cast<uint32_t>(key) & (ThreadState::kSiteSlots - 1);
  const SiteEntry* s = ts->sites;
  if (s[i].key == key) {
    *stack_id = s[i].stack_id;
    return true;
  }
  if (s[i ^ 1].key == key) {
    *stack_id = s[i ^ 1].stack_id;
    return true;
  }
  return false;
}
void SiteInsert(ThreadState* ts, uint64_t key, uint32_t stack_id);

// Counters after a successful acquisition (`held`: the new held entry, null for a re-entry) and
// before a release (hold-time samples).
void CountWait(LockStat* s, uint64_t waited_ns);  // one contended acquisition
void CountOwnerChange(ThreadState* ts, LockStat* s, LockEntry* e);
inline void CountAcquired(ThreadState* ts, const AcquireOp* op, HeldLock* held) {
  LockStat* s = op->stat;
  if (!s) return;
  const uint64_t n = ++s->acquisitions;
  if (op->flags & trace::kAcqContended) CountWait(s, WaitedNs(op->wait));
  // The last owner is shared but written only when ownership moves: an uncontended loop in one
  // thread only reads it.
  if (op->mode == static_cast<uint8_t>(trace::LockMode::kExclusive) &&
      LastOwner(op->entry) != ts->tid) {
    CountOwnerChange(ts, s, op->entry);
  }
  if (held && IsHoldSample(n)) held->hold_start_ns = MonotonicNs();
}
void CountReleasedSample(ThreadState* ts, const HeldLock& held);
inline void CountReleased(ThreadState* ts, const HeldLock& held) {
  if (held.hold_start_ns) CountReleasedSample(ts, held);
}

// Writes a kLockStats record for every lock this thread counted, then clears the table.
void FlushLockStats(const ReentryGuard& g, ThreadState* ts);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_LOCK_STATS_H_
