#include "thread_state.h"

#include <cerrno>

#include "hot_path.h"
#include "init_sites.h"
#include "internal/mmap_alloc.h"
#include "internal/raw_log.h"
#include "lock_stats.h"
#include "lock_table.h"
#include "runtime.h"
#include "stack_table.h"
#include "thread_state_internal.h"
#include "trace_writer.h"

namespace lockscope {
namespace rt {

using trace::LockKind;
using trace::LockMode;

namespace {

constexpr uint8_t kDedupFlagMask = trace::kAcqTry | trace::kAcqTimed | trace::kAcqFailed;

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}

// True when `key` was not in the thread's dedup set (and is now). A full set answers true:
// writing every acquire is correct, just bigger.
bool DedupIsNew(ThreadState* ts, uint64_t key) {
  if (!key) key = 1;
  const uint32_t mask = ThreadState::kDedupSlots - 1;
  for (uint32_t i = 0; i < 32; ++i) {
    uint64_t* s = &ts->dedup[(key + i) & mask];
    if (*s == key) return false;
    if (*s == 0) {
      if (ts->dedup_used >= ThreadState::kDedupSlots * 3 / 4) return true;
      *s = key;
      ++ts->dedup_used;
      return true;
    }
  }
  return true;
}

}  // namespace

// kAcquire with the current held set. In the default mode only when the dependency is new.
// `site_key` != 0: remember in the site cache that this dependency at this call site is written.
// Returns true when a record was written (false: a known dependency, or dropped).
bool WriteAcquire(const ReentryGuard& g, ThreadState* ts, uint32_t lock_id, uint32_t stack_id,
                  uint8_t mode, uint8_t flags, uint64_t site_key) {
  if (site_key) SiteInsert(ts, site_key, stack_id);
  if (!g_flags.full_events) {
    uint64_t key = Mix(Mix(Mix(ts->epoch, lock_id), mode | (flags & kDedupFlagMask) << 8), stack_id);
    for (uint32_t i = 0; i < ts->n_held; ++i) {
      key = Mix(key, uint64_t{ts->held[i].lock_id} << 8 | ts->held[i].mode);
    }
    if (!DedupIsNew(ts, key)) return false;
    flags &= static_cast<uint8_t>(~trace::kAcqContended);  // not part of the key: not recorded
  }
  // Keep the innermost held locks if the set is too large for one chunk (pathological).
  constexpr uint32_t kMaxHeldInRecord =
      (64 * 1024 - sizeof(trace::ChunkHeader) - sizeof(trace::Disabled) - sizeof(trace::Acquire)) /
      sizeof(trace::HeldEntry);
  uint32_t first = ts->n_held > kMaxHeldInRecord ? ts->n_held - kMaxHeldInRecord : 0;
  uint32_t n = ts->n_held - first;
  uint32_t size = static_cast<uint32_t>(sizeof(trace::Acquire) + n * sizeof(trace::HeldEntry));
  uint8_t* p = ts->buf.Begin(g, size);
  if (!p) return false;
  auto r = MakeRecord<trace::Acquire>(trace::RecordKind::kAcquire, flags);
  r.h.size = size;
  r.seq = NextSeq();
  r.time_ns = MonotonicNs();
  r.lock_id = lock_id;
  r.stack_id = stack_id;
  r.epoch = ts->epoch;
  r.n_held = n;
  r.mode = mode;
  memcpy(p, &r, sizeof(r));
  auto* out = reinterpret_cast<trace::HeldEntry*>(p + sizeof(r));
  for (uint32_t i = 0; i < n; ++i) {
    const HeldLock& h = ts->held[first + i];
    trace::HeldEntry e{};
    e.lock_id = h.lock_id;
    e.stack_id = h.stack_id;
    e.mode = h.mode;
    e.count = h.count;
    memcpy(&out[i], &e, sizeof(e));
  }
  ts->buf.Commit(size);
  return true;
}

int FindHeld(const ThreadState* ts, uintptr_t addr) {
  for (uint32_t i = ts->n_held; i-- > 0;) {
    if (ts->held[i].addr == addr) return static_cast<int>(i);
  }
  return -1;
}

void RemoveHeldAt(ThreadState* ts, uint32_t i) {
  ts->held_hash -= HeldHash32(ts->held[i].lock_id, ts->held[i].mode);
  if (i + 1 == ts->n_held && ts->n_held <= trace::kSlotHeld) {
    // The common LIFO release: only the slot's count changes.
    --ts->n_held;
    if (ts->slot) __atomic_store_n(&ts->slot->n_held, ts->n_held, __ATOMIC_RELEASE);
    return;
  }
  for (uint32_t j = i + 1; j < ts->n_held; ++j) ts->held[j - 1] = ts->held[j];
  --ts->n_held;
  MirrorHeld(ts, i);
}

namespace {

// Exclusive owners. glibc keeps the owner's tid in the object itself for mutexes (__owner, set
// by every lock/trylock and cleared by unlock) and rwlocks (__cur_writer), so the runtime reads
// it there when it needs it (misuse checks) instead of writing a shared owner field on every
// acquisition. Spin locks, semaphores and annotated locks carry no owner: for them the runtime
// keeps LockEntry::owner_tid (general path only).
bool TracksOwner(uint8_t kind) {
  return kind != static_cast<uint8_t>(LockKind::kMutex) &&
         kind != static_cast<uint8_t>(LockKind::kRwLock);
}

uint32_t CurrentOwner(const LockEntry* e, uintptr_t addr, uint8_t kind) {
  if (kind == static_cast<uint8_t>(LockKind::kMutex)) {
    return static_cast<uint32_t>(reinterpret_cast<const pthread_mutex_t*>(addr)->__data.__owner);
  }
  if (kind == static_cast<uint8_t>(LockKind::kRwLock)) {
    return reinterpret_cast<const pthread_rwlock_t*>(addr)->__data.__cur_writer;
  }
  return e->owner_tid.load(std::memory_order_relaxed);
}

void SetOwner(ThreadState* ts, LockEntry* e, uint8_t kind, uint8_t mode) {
  if (e && TracksOwner(kind) && mode == static_cast<uint8_t>(LockMode::kExclusive)) {
    e->owner_tid.store(ts->tid, std::memory_order_relaxed);
  }
}

// Before the real unlock: once it runs, another thread may own the lock and set owner_tid.
// While we hold it exclusively nobody else writes owner_tid, so load + store is enough.
void ClearOwner(ThreadState* ts, const HeldLock& h) {
  if (h.entry && TracksOwner(h.kind) && h.mode == static_cast<uint8_t>(LockMode::kExclusive) &&
      h.entry->owner_tid.load(std::memory_order_relaxed) == ts->tid) {
    h.entry->owner_tid.store(0, std::memory_order_relaxed);
  }
}

// Adds a successful acquisition to the held set (or bumps the count of a re-entry).
void NoteAcquired(ThreadState* ts, AcquireOp* op) {
  int idx = (op->flags & trace::kAcqReentrant) ? FindHeld(ts, op->addr) : -1;
  if (idx >= 0) {
    ++ts->held[idx].count;
    ts->held[idx].hot_pop = 0;  // held twice: the general path releases it
    MirrorHeld(ts, static_cast<uint32_t>(idx));
    CountAcquired(ts, op, nullptr);
  } else {
    HeldLock h{};
    h.addr = op->addr;
    h.entry = op->entry;
    h.lock_id = op->entry->lock_id;
    h.stack_id = op->stack_id;
    h.count = 1;
    h.mode = op->mode;
    h.kind = op->kind;
    PushHeld(ts, h);
    CountAcquired(ts, op, &ts->held[ts->n_held - 1]);
  }
  SetOwner(ts, op->entry, op->kind, op->mode);
}

// Looks the lock up (lock cache, else the table, registering it) and classifies a re-entry.
// Returns the held index of the lock, or -1.
int PrepareOp(const ReentryGuard& g, ThreadState* ts, AcquireOp* op, const void* lock,
              LockKind kind, LockMode mode) {
  op->addr = reinterpret_cast<uintptr_t>(lock);
  op->kind = static_cast<uint8_t>(kind);
  op->mode = static_cast<uint8_t>(mode);
  op->flags = 0;
  op->recorded = false;
  op->known = false;
  op->dep_key = 0;
  op->stack_id = 0;
  op->stat = nullptr;
  op->chain.n = 0;
  LockCacheEntry* c = CachedLock(ts, op->addr);
  if (!c) {
    bool untracked = false;
    LockEntry* e = FindLock(op->addr, &untracked);
    if (!e && !untracked) {  // untracked (max_lock_instances): passes through, no stack
      op->stack_id = CaptureStackId(g, &ts->buf);  // the first-use site of the LockDef
      e = RegisterLock(g, &ts->buf, op->addr, kind, op->stack_id, false);
    }
    op->entry = e;
    if (!e) return -1;
    c = CacheLock(g, ts, op->addr, e);
  }
  op->entry = c->entry;
  op->stat = c->stat;
  int idx = FindHeld(ts, op->addr);
  if (idx < 0) return -1;
  const HeldLock& h = ts->held[idx];
  if (kind == LockKind::kMutex && (op->entry->attrs & trace::kAttrRecursive)) {
    op->flags |= trace::kAcqReentrant;
  } else if (kind == LockKind::kRwLock && mode == LockMode::kShared &&
             h.mode == static_cast<uint8_t>(LockMode::kShared)) {
    op->flags |= trace::kAcqReentrant;
  }
  return idx;
}

// The acquisition's stack id: from the site cache when this dependency was already written from
// this call site (op->known), else captured. `flags`: the AcquireFlag bits of the attempt.
// `fp`: the frame address of the runtime entry point (the walk starts there).
void ResolveSite(const ReentryGuard& g, ThreadState* ts, AcquireOp* op, uint8_t flags,
                 uintptr_t fp) {
  op->ret0 = 0;
  if (uint64_t site = CallSiteKey(fp, ts->stack_lo, ts->stack_hi, ts->shallow_sites, &op->ret0,
                                  &op->chain)) {
    op->dep_key = DependencyKey(ts, site, op->entry->lock_id, op->mode, flags & kDedupFlagMask);
    if (SiteLookup(ts, op->dep_key, &op->stack_id)) {
      op->known = true;
      return;
    }
  }
  if (!op->stack_id) op->stack_id = CaptureStackId(g, &ts->buf);
}

void WriteAcquireOp(const ReentryGuard& g, ThreadState* ts, const AcquireOp* op) {
  if (op->known && !g_flags.full_events) return;
  bool written = WriteAcquire(g, ts, op->entry->lock_id, op->stack_id, op->mode, op->flags,
                              op->known ? 0 : op->dep_key);
  if (!written && !op->known && op->dep_key && op->ret0 && !g_flags.full_events) {
    // The call-site key missed, yet the full stack shows a dependency already written: the key
    // is noisier than the stack (or its entry was evicted). Key this site by its innermost
    // frame from now on, so it stops paying for backtrace().
    ts->shallow_sites[ShallowIndex(op->ret0)] = op->ret0;
  }
}

}  // namespace

void PushHeld(ThreadState* ts, const HeldLock& h) {
  if (ts->n_held == ts->held_cap) {
    // Grow by mmap: a thread may legitimately hold thousands of locks.
    ErrnoSaver es;
    // The first entry is the floor (ThreadState::held_floor), zeroed.
    uint32_t cap = ts->held_cap * 2;
    size_t bytes = ((cap + 1) * sizeof(HeldLock) + 4095) & ~size_t{4095};
    auto* grown = static_cast<HeldLock*>(internal::MmapZeroed(bytes));
    if (!grown) return;  // out of memory: this hold is not tracked
    memcpy(grown + 1, ts->held, ts->n_held * sizeof(HeldLock));
    if (ts->held_map_bytes) internal::MunmapSafe(ts->held - 1, ts->held_map_bytes);
    ts->held = grown + 1;
    ts->held_cap = static_cast<uint32_t>(bytes / sizeof(HeldLock)) - 1;
    ts->held_map_bytes = bytes;
  }
  const uint32_t i = ts->n_held++;
  ts->held[i] = h;
  ts->held[i].hot = nullptr;  // e.g. a condvar wait's mutex: its stack id is the wait's now
  if (i >= ThreadState::kHotMaxHeld) ts->held[i].hot_pop = 0;
  ts->held_hash += HeldHash32(h.lock_id, h.mode);
  trace::ThreadSlot* s = ts->slot;
  if (s && i < trace::kSlotHeld) {
    // The common push: one entry, then the count (release: a reader sees the entry first).
    trace::HeldEntry& e = s->held[i];
    e.lock_id = h.lock_id;
    e.stack_id = h.stack_id;
    e.mode = h.mode;
    e.count = h.count;
    __atomic_store_n(&s->n_held, i + 1, __ATOMIC_RELEASE);
  } else {
    MirrorHeld(ts, i);
  }
}

// Rewrites slot->held[from..] from the thread's held stack. Entries first, then n_held.
void MirrorHeld(ThreadState* ts, uint32_t from) {
  trace::ThreadSlot* s = ts->slot;
  if (!s) return;
  uint32_t n = ts->n_held < trace::kSlotHeld ? ts->n_held : trace::kSlotHeld;
  for (uint32_t i = from; i < n; ++i) {
    const HeldLock& h = ts->held[i];
    trace::HeldEntry& e = s->held[i];
    e.lock_id = h.lock_id;
    e.stack_id = h.stack_id;
    e.mode = h.mode;
    e.count = h.count;
  }
  s->held_overflow = ts->n_held > trace::kSlotHeld ? 1 : 0;
  __atomic_store_n(&s->n_held, n, __ATOMIC_RELEASE);
}

void ClearDedup(ThreadState* ts) {
  memset(ts->dedup, 0, ThreadState::kDedupSlots * sizeof(uint64_t));
  ts->dedup_used = 0;
  ResetFastPath(ts);
  ts->held_hash = 0;
  for (uint32_t i = 0; i < ts->n_held; ++i) {
    ts->held_hash += HeldHash32(ts->held[i].lock_id, ts->held[i].mode);
  }
}

void WriteMisuse(const ReentryGuard& g, ThreadState* ts, trace::MisuseKind kind, uintptr_t object,
                 uint32_t lock_id, uint32_t stack_id, uint32_t other_tid, uint32_t other_id) {
  auto r = MakeRecord<trace::Misuse>(trace::RecordKind::kMisuse);
  r.seq = NextSeq();
  r.time_ns = MonotonicNs();
  r.object = object;
  r.lock_id = lock_id;
  r.stack_id = stack_id;
  r.other_tid = other_tid;
  r.other_id = other_id;
  r.misuse_kind = static_cast<uint8_t>(kind);
  EmitRecord(g, &ts->buf, r);
}

namespace {

// Everything BeginAcquire does when the fast path does not apply.
__attribute__((noinline)) void BeginAcquireSlow(const ReentryGuard& g, ThreadState* ts,
                                                AcquireOp* op, const void* lock, LockKind kind,
                                                LockMode mode, uintptr_t fp) {
  ErrnoSaver es;
  int idx = PrepareOp(g, ts, op, lock, kind, mode);
  if (!op->entry) return;
  ResolveSite(g, ts, op, 0, fp);
  if (op->flags & trace::kAcqReentrant) return;
  if (idx >= 0 && (kind == LockKind::kMutex || kind == LockKind::kSpin) &&
      ts->held[idx].mode == static_cast<uint8_t>(LockMode::kExclusive)) {
    // Self-deadlock (or EDEADLK for errorcheck). The real call still happens: behaviour unchanged.
    WriteMisuse(g, ts, trace::MisuseKind::kRelockNonRecursive, op->addr, op->entry->lock_id,
                op->stack_id, 0, 0);
  }
}

}  // namespace

// The fast path (lock_stats.h): a cached lock, not held yet, and this dependency already written
// from this call site. No stack capture, no record, no clock, no errno traffic.
void BeginAcquire(const ReentryGuard& g, ThreadState* ts, AcquireOp* op, const void* lock,
                  LockKind kind, LockMode mode) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(lock);
  const auto fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  LockCacheEntry* c = CachedLock(ts, addr);
  if (c && FindHeld(ts, addr) < 0) {
    if (uint64_t site = CallSiteKey(fp, ts->stack_lo, ts->stack_hi, ts->shallow_sites, nullptr,
                                    &op->chain)) {
      const uint64_t key = DependencyKey(ts, site, c->lock_id, static_cast<uint8_t>(mode), 0);
      if (SiteLookup(ts, key, &op->stack_id)) {
        op->addr = addr;
        op->entry = c->entry;
        op->kind = static_cast<uint8_t>(kind);
        op->mode = static_cast<uint8_t>(mode);
        op->flags = 0;
        op->recorded = false;
        op->known = true;
        op->dep_key = key;
        op->ret0 = 0;
        op->stat = c->stat;
        return;
      }
    }
  }
  BeginAcquireSlow(g, ts, op, lock, kind, mode, fp);
}

void BeginBlockedAcquire(const ReentryGuard& g, ThreadState* ts, AcquireOp* op,
                         trace::WaitKind wait_kind) {
  ErrnoSaver es;
  if (!op->entry) return;
  op->flags |= trace::kAcqContended;
  op->wait = BeginWait();
  // Before blocking: a hang must still leave the edge in the trace.
  WriteAcquireOp(g, ts, op);
  op->recorded = true;
  SetWait(ts, wait_kind, op->entry->lock_id, op->addr, op->stack_id, op->mode, 0, op->wait.ns);
}

void EndBlockedAcquire(const ReentryGuard&, ThreadState* ts, AcquireOp* op) {
  ErrnoSaver es;
  if (op->entry) ClearWait(ts);
}

void EndAcquire(const ReentryGuard& g, ThreadState* ts, AcquireOp* op, int rc) {
  if (!op->entry) return;
  const uint32_t i = ts->n_held;
  if (rc == 0 && op->known && !(op->flags & trace::kAcqReentrant) && !g_flags.full_events &&
      i < ts->held_cap && i < trace::kSlotHeld && ts->slot) {
    // Fast path: push the held entry and mirror it, nothing else.
    HeldLock* h = &ts->held[i];
    const uint32_t lock_id = op->entry->lock_id;
    h->addr = op->addr;
    h->entry = op->entry;
    h->lock_id = lock_id;
    h->stack_id = op->stack_id;
    h->count = 1;
    h->mode = op->mode;
    h->kind = op->kind;
    h->hold_start_ns = 0;
    h->hot = nullptr;
    h->hot_pop = 0;
    const uint64_t ctx = ts->held_ctx;
    ts->held_hash += HeldHash32(lock_id, op->mode);
    // Field by field: a 16-byte copy of a struct built with narrow stores stalls store
    // forwarding (measured: half the cost of the fast path).
    trace::HeldEntry& e = ts->slot->held[i];
    e.lock_id = lock_id;
    e.stack_id = op->stack_id;
    e.mode = op->mode;
    e.count = 1;
    ts->n_held = i + 1;
    __atomic_store_n(&ts->slot->n_held, i + 1, __ATOMIC_RELEASE);
    SetOwner(ts, op->entry, op->kind, op->mode);
    CountAcquired(ts, op, h);
    HotInsert(ts, op, ctx);
    return;
  }
  // EOWNERDEAD: a robust mutex whose owner died; the caller now owns it.
  bool ok = rc == 0 || (rc == EOWNERDEAD && op->kind == static_cast<uint8_t>(LockKind::kMutex));
  if (!ok) return;
  if (!op->recorded && !(op->known && !g_flags.full_events)) {
    ErrnoSaver es;
    WriteAcquireOp(g, ts, op);
  }
  const uint64_t ctx = ts->held_ctx;
  const uint32_t before = ts->n_held;
  NoteAcquired(ts, op);
  if (rc == 0 && ts->n_held == before + 1) HotInsert(ts, op, ctx);
}

int HotAbort(int rc) {
  ThreadState* ts = t_tls.state;
  const uint32_t n = ts->n_held;
  const HeldLock h = ts->held[n - 1];
  ts->held_ctx = h.hot->ctx;  // n - 1 and the hash before the push
  __atomic_store_n(&ts->slot->n_held, n - 1, __ATOMIC_RELEASE);
  ++h.hot->left;  // the general path counts this acquisition
  t_tls.gate = 0;
  if (rc == EBUSY) return kHotMiss;
  // EOWNERDEAD (the lock is now ours) or an error: the general path knows which is which.
  return HotFinish(ts, h.hot, h.addr, static_cast<LockKind>(h.kind),
                   static_cast<LockMode>(h.mode), rc);
}

namespace {
// The acquisition a hot entry stands for, as the general path's op: a dependency already in the
// trace, from the entry's call site (no frame chain: the entry stays as it is, HotInsert).
void OpFromHot(const HotEntry* e, uintptr_t addr, LockKind kind, LockMode mode, AcquireOp* op) {
  *op = AcquireOp{};
  op->addr = addr;
  op->entry = e->entry;
  op->stack_id = e->stack_id;
  op->mode = static_cast<uint8_t>(mode);
  op->kind = static_cast<uint8_t>(kind);
  op->known = true;
  op->stat = HotColdOf(e)->stat;
}
}  // namespace

int HotFinish(ThreadState* ts, HotEntry* e, uintptr_t addr, LockKind kind, LockMode mode,
              int rc) {
  ReentryGuard g;
  AcquireOp op;
  OpFromHot(e, addr, kind, mode, &op);
  EndAcquire(g, ts, &op, rc);
  return rc;
}

WaitStart HotWaitBegin(ThreadState* ts, const HeldLock* h) {
  // The entry stays pushed (the hot release pops it later); only the slot's count drops, before
  // the wait is published, so a reader never sees the thread blocked on a lock it holds.
  __atomic_store_n(&ts->slot->n_held, ts->n_held - 1, __ATOMIC_RELEASE);
  const WaitStart w = BeginWait();
  SetWait(ts, trace::WaitKind::kLock, h->lock_id, h->hot_pop, h->stack_id, h->mode, 0, w.ns);
  return w;
}

void HotWaitEnd(ThreadState* ts, HeldLock* h, const WaitStart& w, int rc) {
  const uint64_t waited = rc == 0 ? WaitedNs(w) : 0;
  ClearWait(ts);
  if (rc != 0) return;  // HotAbort takes the push back
  __atomic_store_n(&ts->slot->n_held, ts->n_held, __ATOMIC_RELEASE);
  HotEntry* e = h->hot;
  CountWait(HotColdOf(e)->stat, waited);
  HotCommitRare(ts, h, e);
}

void OnTryAcquire(const ReentryGuard& g, ThreadState* ts, const void* lock, LockKind kind,
                  LockMode mode, uint8_t flags, int rc) {
  ErrnoSaver es;
  const auto fp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  AcquireOp op;
  PrepareOp(g, ts, &op, lock, kind, mode);
  if (!op.entry) return;
  bool ok = rc == 0 || (rc == EOWNERDEAD && kind == LockKind::kMutex);
  op.flags = static_cast<uint8_t>(op.flags | flags | (ok ? 0 : trace::kAcqFailed));
  if (!ok) op.flags &= static_cast<uint8_t>(~trace::kAcqReentrant);
  ResolveSite(g, ts, &op, op.flags, fp);
  WriteAcquireOp(g, ts, &op);
  if (ok) NoteAcquired(ts, &op);
}

void BeforeRelease(const ReentryGuard& g, ThreadState* ts, const void* lock, LockKind kind) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(lock);
  const uint32_t n = ts->n_held;
  if (n > 0 && n <= trace::kSlotHeld && ts->held[n - 1].addr == addr &&
      ts->held[n - 1].count == 1 && !g_flags.full_events) {
    // Fast path: the innermost lock, held once (see the slow path below for the ordering).
    HeldLock& h = ts->held[n - 1];
    ClearOwner(ts, h);
    CountReleased(ts, h);
    ts->held_ctx -= HeldDelta(h.lock_id, h.mode);  // n - 1
    if (ts->slot) __atomic_store_n(&ts->slot->n_held, n - 1, __ATOMIC_RELEASE);
    return;
  }
  int idx = FindHeld(ts, addr);
  if (idx < 0) {
    ErrnoSaver es;
    LockEntry* e = FindLock(addr);
    if (!e) return;  // never seen (e.g. locked before our constructor): nothing to say
    uint32_t owner = CurrentOwner(e, addr, static_cast<uint8_t>(kind));
    if (owner == ts->tid) return;  // inconsistent but harmless; do not accuse the program
    uint32_t stack_id = CaptureStackId(g, &ts->buf);
    WriteMisuse(g, ts, owner ? trace::MisuseKind::kUnlockNotOwner : trace::MisuseKind::kUnlockNotHeld,
                addr, e->lock_id, stack_id, owner, 0);
    return;
  }
  HeldLock& h = ts->held[idx];
  const uint32_t lock_id = h.lock_id;
  if (h.count > 1) {
    --h.count;
    MirrorHeld(ts, static_cast<uint32_t>(idx));
  } else {
    ClearOwner(ts, h);
    CountReleased(ts, h);
    RemoveHeldAt(ts, static_cast<uint32_t>(idx));
  }
  if (g_flags.full_events) {
    ErrnoSaver es;
    auto r = MakeRecord<trace::Release>(trace::RecordKind::kRelease);
    r.time_ns = MonotonicNs();
    r.lock_id = lock_id;
    EmitRecord(g, &ts->buf, r);
  }
}

namespace {
// The first init at `site` beyond the cap: one record with its stack, one line on stderr per
// process (as for max_threads: the report names every site).
void WriteInstancesCapped(const ReentryGuard& g, ThreadState* ts, uintptr_t site, LockKind kind,
                          uint32_t cap) {
  static std::atomic<bool> said{false};
  if (!said.exchange(true, std::memory_order_relaxed)) {
    internal::RawLog(
        "more than %u locks initialised at one call site were destroyed (a lock per "
        "request?): later ones from there are not traced, so lock orders among them are "
        "not checked; raise it with LOCKSCOPE_OPTIONS=max_lock_instances=N (0: no cap)",
        cap);
  }
  auto r = MakeRecord<trace::LockInstancesCapped>(trace::RecordKind::kLockInstancesCapped);
  r.seq = NextSeq();
  r.site = site;
  r.stack_id = CaptureStackId(g, &ts->buf);
  r.cap = cap;
  r.lock_kind = static_cast<uint8_t>(kind);
  EmitRecord(g, &ts->buf, r);
}
}  // namespace

void AfterLockInit(const ReentryGuard& g, ThreadState* ts, const void* lock, LockKind kind,
                   uintptr_t site) {
  ErrnoSaver es;
  const auto addr = reinterpret_cast<uintptr_t>(lock);
  const auto cap = static_cast<uint32_t>(g_flags.max_lock_instances);
  uint32_t slot = 0;
  switch (CountInitSite(site, cap, &slot)) {
    case InitVerdict::kTrace:
      break;
    case InitVerdict::kFirstOverCap:
      WriteInstancesCapped(g, ts, site, kind, cap);
      [[fallthrough]];
    case InitVerdict::kOverCap:
      // When the table has no room for the mark, the lock is traced on first use as before.
      UntrackLock(addr);
      return;
  }
  uint32_t stack_id = CaptureStackId(g, &ts->buf);
  if (LockEntry* e = RegisterLock(g, &ts->buf, addr, kind, stack_id, true)) e->init_site = slot;
}

bool SemAsLock(ThreadState* ts, const void* sem) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(sem);
  LockEntry* e = FindLock(addr);
  return e != nullptr && e->kind == static_cast<uint8_t>(LockKind::kSemaphore) &&
         __atomic_load_n(&e->reserved, __ATOMIC_RELAXED) == 0 && FindHeld(ts, addr) < 0;
}

void BeforeSemPost(const ReentryGuard& g, ThreadState* ts, const void* sem) {
  ErrnoSaver es;
  const uintptr_t addr = reinterpret_cast<uintptr_t>(sem);
  LockEntry* e = FindLock(addr);
  if (e == nullptr || e->kind != static_cast<uint8_t>(LockKind::kSemaphore)) return;
  if (FindHeld(ts, addr) >= 0) {
    BeforeRelease(g, ts, sem, LockKind::kSemaphore);
    return;
  }
  // LockEntry::reserved: 1 once the semaphore was seen signalling (one record per semaphore).
  if (__atomic_exchange_n(&e->reserved, uint8_t{1}, __ATOMIC_RELAXED) != 0) return;
  auto r = MakeRecord<trace::SemSignal>(trace::RecordKind::kSemSignal);
  r.lock_id = e->lock_id;
  r.stack_id = CaptureStackId(g, &ts->buf);
  r.seq = NextSeq();
  EmitRecord(g, &ts->buf, r);
}

void BeforeLockDestroy(const ReentryGuard& g, ThreadState* ts, const void* lock, LockKind kind) {
  ErrnoSaver es;
  const uintptr_t addr = reinterpret_cast<uintptr_t>(lock);
  bool untracked = false;
  LockEntry* e = FindLock(addr, &untracked);
  if (!e) {
    if (untracked) RetireUntracked(addr);  // the next lock at this address is traced as usual
    return;
  }
  uint32_t stack_id = CaptureStackId(g, &ts->buf);
  int idx = FindHeld(ts, addr);
  uint32_t owner = CurrentOwner(e, addr, static_cast<uint8_t>(kind));
  if (idx >= 0 || owner != 0) {
    WriteMisuse(g, ts, trace::MisuseKind::kDestroyHeld, addr, e->lock_id, stack_id,
                owner == ts->tid ? 0 : owner, 0);
  }
  auto r = MakeRecord<trace::LockDestroy>(trace::RecordKind::kLockDestroy);
  r.seq = NextSeq();
  r.lock_id = e->lock_id;
  r.stack_id = stack_id;
  EmitRecord(g, &ts->buf, r);
  CountDestroyedAt(e->init_site);  // churn at its init site (max_lock_instances)
  RetireLock(addr);
  if (idx >= 0) RemoveHeldAt(ts, static_cast<uint32_t>(idx));  // the lock is gone
}

}  // namespace rt
}  // namespace lockscope
