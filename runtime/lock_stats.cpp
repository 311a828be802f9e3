// lock_stats.cpp — see lock_stats.h.

#include "lock_stats.h"

#include <cstring>

#include "event_buffer.h"
#include "runtime.h"

namespace lockscope {
namespace rt {
namespace {

// This thread's counters for `lock_id`, created on first use. When the table is 3/4 full it is
// written out and cleared first (held locks may still point at old slots: CountReleased checks
// the lock id). Null only if the probe fails, which a cleared table cannot.
LockStat* StatFor(const ReentryGuard& g, ThreadState* ts, uint32_t lock_id) {
  const uint32_t mask = ThreadState::kStatSlots - 1;
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint32_t h = static_cast<uint32_t>(HeldHash(lock_id, 0) >> 20);
    for (uint32_t i = 0; i < 64; ++i) {
      LockStat* s = &ts->stats[(h + i) & mask];
      if (s->lock_id == lock_id) return s;
      if (s->lock_id == 0 && ts->stats_used < ThreadState::kStatSlots * 3 / 4) {
        s->lock_id = lock_id;
        ++ts->stats_used;
        return s;
      }
    }
    FlushLockStats(g, ts);
  }
  return nullptr;
}

}  // namespace

size_t FastPathBytes() {
  return ThreadState::kSiteSlots * sizeof(SiteEntry) + ThreadState::kStatSlots * sizeof(LockStat) +
         ThreadState::kHotSlots * (sizeof(HotEntry) + sizeof(HotCold)) + alignof(HotEntry);
}

void InitFastPath(ThreadState* ts, uint8_t* mem) {
  ts->sites = reinterpret_cast<SiteEntry*>(mem);
  ts->stats = reinterpret_cast<LockStat*>(mem + ThreadState::kSiteSlots * sizeof(SiteEntry));
  auto hot = reinterpret_cast<uintptr_t>(ts->stats + ThreadState::kStatSlots);
  hot = (hot + alignof(HotEntry) - 1) & ~uintptr_t{alignof(HotEntry) - 1};
  ts->hot = reinterpret_cast<HotEntry*>(hot);
  ts->hot_cold = HotColdOf(ts->hot);
  ts->stats_used = 0;
  ts->lock_cache_next = 0;
  memset(ts->lock_cache, 0, sizeof(ts->lock_cache));
}

namespace {
void HotFold(HotEntry* e, HotCold* c) {
  if (e->key && c->gap != e->left) {
    c->stat->acquisitions += c->gap - e->left;
    c->gap = e->left;
  }
}
// The frames HotProbe re-checks (the first chain.n of each array) are the same.
bool SameChain(const HotCold& c, const SiteChain& chain) {
  for (uint32_t k = 0; k < chain.n && k < 4; ++k) {
    if (c.f[k] != chain.f[k] || c.r[k] != chain.r[k]) return false;
  }
  return true;
}
}  // namespace

void HotFoldAll(ThreadState* ts) {
  for (uint32_t i = 0; i < ThreadState::kHotSlots; ++i) HotFold(&ts->hot[i], &ts->hot_cold[i]);
}

void HotFlush(ThreadState* ts) {
  for (uint32_t i = 0; i < ThreadState::kHotSlots; ++i) {
    HotFold(&ts->hot[i], &ts->hot_cold[i]);
    if (ts->hot[i].key) ts->hot[i].key = 0;  // untouched pages stay untouched
  }
}

void HotInsert(ThreadState* ts, const AcquireOp* op, uint64_t ctx) {
  // Only what the hot path can replay: a plain blocking acquisition from a call site with a
  // frame chain, of a live lock with counters, into a mirrored held set, in the default mode.
  if (g_flags.full_events || !op->chain.n || !op->stat || !ts->slot || !op->entry) return;
  if (op->flags & (trace::kAcqReentrant | trace::kAcqTry | trace::kAcqTimed)) return;
  if (ts->n_held > ThreadState::kHotMaxHeld) return;
  const uintptr_t key = HotKey(op->addr, op->mode);
  const uint32_t i = HotIndex(key, op->chain.ret, ctx);
  HotEntry* e = &ts->hot[i];
  HotCold* c = &ts->hot_cold[i];
  const uintptr_t fp = op->chain.fp | (op->chain.n > 1 ? kHotChainBit : 0);
  if (e->key == key && e->ret == op->chain.ret && e->ctx == ctx && e->fp == fp &&
      e->entry == op->entry && e->lock_id == op->entry->lock_id && e->stack_id == op->stack_id &&
      c->chain_n == op->chain.n && SameChain(*c, op->chain)) {
    return;  // already there (a contended acquisition comes back here each time)
  }
  HotFold(e, c);
  // The template changes: held entries pushed from it may not skip their writes any more.
  for (uint32_t k = 0; k < ThreadState::kHotMaxHeld; ++k) {
    if (ts->held[k].hot == e) ts->held[k].hot = nullptr;
  }
  e->key = key;
  e->entry = op->entry;
  e->lock_id = op->entry->lock_id;
  e->stack_id = op->stack_id;
  HeldLock tail{};
  tail.count = 1;
  tail.mode = op->mode;
  tail.kind = op->kind;
  memcpy(&e->held_tail, &tail.count, 8);
  e->hash = ts->held_ctx - ctx;
  e->no_sample = 0;
  e->fp = fp;
  e->ret = op->chain.ret;
  e->ctx = ctx;
  e->next_ctx = ts->held_ctx;
  // The hot word a hit expects: this lock, and this thread its last owner (exclusive), or the
  // owner it has now (shared: readers do not own it; HotHitMoved follows writers).
  e->live = uint64_t{e->lock_id} << 32 |
            (op->mode == static_cast<uint8_t>(trace::LockMode::kExclusive)
                 ? ts->tid
                 : static_cast<uint32_t>(HotWordOf(op->entry)->load(std::memory_order_relaxed)));
  e->slot_entry = trace::HeldEntry{};
  e->slot_entry.lock_id = e->lock_id;
  e->slot_entry.stack_id = op->stack_id;
  e->slot_entry.mode = op->mode;
  e->slot_entry.count = 1;
  c->stat = op->stat;
  e->left = c->gap = HoldSampleGap(op->stat->acquisitions);
  e->word = HotWordOf(op->entry);
  c->chain_n = op->chain.n;
  for (int k = 0; k < 4; ++k) {
    c->f[k] = op->chain.f[k];
    c->r[k] = op->chain.r[k];
  }
}

void ResetFastPath(ThreadState* ts) {
  HotFlush(ts);
  memset(ts->shallow_sites, 0, sizeof(ts->shallow_sites));
  memset(ts->sites, 0, ThreadState::kSiteSlots * sizeof(SiteEntry));
  memset(ts->stats, 0, ThreadState::kStatSlots * sizeof(LockStat));
  ts->stats_used = 0;
  ts->lock_cache_next = 0;
  memset(ts->lock_cache, 0, sizeof(ts->lock_cache));
  memset(ts->cond_memo, 0, sizeof(ts->cond_memo));  // the condvar table is new too
  memset(ts->wait_memo, 0, sizeof(ts->wait_memo));  // its stack ids came from the site cache
}

LockCacheEntry* CacheLock(const ReentryGuard& g, ThreadState* ts, uintptr_t addr, LockEntry* e) {
  LockStat* stat = StatFor(g, ts, e->lock_id);  // first: a flush empties the cache
  LockCacheEntry* c = &ts->lock_cache[LockCacheIndex(addr)];
  c->addr = addr;
  c->entry = e;
  c->lock_id = e->lock_id;
  c->stat = stat;
  return c;
}

void SiteInsert(ThreadState* ts, uint64_t key, uint32_t stack_id) {
  const uint32_t i = static_cast<uint32_t>(key) & (ThreadState::kSiteSlots - 1);
  SiteEntry* s = ts->sites;
  // An empty way first; else the second way (keeps the older, first-seen entry in way 0).
  uint32_t at = s[i].key == 0 ? i : i ^ 1;
  s[at].key = key;
  s[at].stack_id = stack_id;
}

void CountWait(LockStat* s, uint64_t waited) {
  ++s->contended;
  s->wait_total_ns += waited;
  if (waited > s->wait_max_ns) s->wait_max_ns = waited;
}

void CountOwnerChange(ThreadState* ts, LockStat* s, LockEntry* e) {
  SetLastOwner(e, ts->tid);
  ++s->owner_changes;
}

void HotCommitRare(ThreadState* ts, HeldLock* h, HotEntry* e) {
  HotCold* c = HotColdOf(e);
  if (e->left == 0) {
    h->hold_start_ns = MonotonicNs();
    h->hot_pop = 0;  // the general path's release ends the sample
    c->stat->acquisitions += c->gap;  // all of them hits (left == 0)
    e->left = c->gap = HoldSampleGap(c->stat->acquisitions);
  }
  if (h->mode == static_cast<uint8_t>(trace::LockMode::kExclusive) &&
      LastOwner(h->entry) != ts->tid) {
    CountOwnerChange(ts, c->stat, h->entry);
  }
}

void CountReleasedSample(ThreadState* ts, const HeldLock& held) {
  LockCacheEntry* c = CachedLock(ts, held.addr);
  LockStat* s = c ? c->stat : nullptr;
  if (!s || s->lock_id != held.lock_id) return;  // evicted or flushed since: drop the sample
  uint64_t held_ns = MonotonicNs() - held.hold_start_ns;
  ++s->hold_samples;
  s->hold_total_ns += held_ns;
  if (held_ns > s->hold_max_ns) s->hold_max_ns = held_ns;
}

void FlushLockStats(const ReentryGuard& g, ThreadState* ts) {
  HotFoldAll(ts);
  for (uint32_t i = 0; i < ThreadState::kStatSlots; ++i) {
    LockStat* s = &ts->stats[i];
    if (s->lock_id == 0) continue;
    if (s->acquisitions != 0 || s->hold_samples != 0) {
      auto r = MakeRecord<trace::LockStats>(trace::RecordKind::kLockStats);
      r.lock_id = s->lock_id;
      r.acquisitions = s->acquisitions;
      r.contended = s->contended;
      r.wait_total_ns = s->wait_total_ns;
      r.wait_max_ns = s->wait_max_ns;
      r.hold_samples = s->hold_samples;
      r.hold_total_ns = s->hold_total_ns;
      r.hold_max_ns = s->hold_max_ns;
      r.owner_changes = s->owner_changes;
      EmitRecord(g, &ts->buf, r);
    }
    *s = LockStat{};
  }
  ts->stats_used = 0;
  for (LockCacheEntry& c : ts->lock_cache) c.addr = 0;  // their stat pointers are stale
  HotFlush(ts);
}

}  // namespace rt
}  // namespace lockscope
