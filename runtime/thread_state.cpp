#include "thread_state.h"

#include <cerrno>

#include "internal/mmap_alloc.h"
#include "hot_path.h"
#include "lock_stats.h"
#include "lock_table.h"
#include "runtime.h"
#include "stack_table.h"
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

// kAcquire with the current held set. In the default mode only when the dependency is new.
// `site_key` != 0: remember in the site cache that this dependency at this call site is written.
// Returns true when a record was written (false: a known dependency, or dropped).
bool WriteAcquire(const ReentryGuard& g, ThreadState* ts, uint32_t lock_id, uint32_t stack_id,
                  uint8_t mode, uint8_t flags, uint64_t site_key = 0) {
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
  ts->held_hash -= HeldHash(ts->held[i].lock_id, ts->held[i].mode);
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

void SetWait(ThreadState* ts, trace::WaitKind kind, uint32_t lock_id, uint64_t object,
             uint32_t stack_id, uint8_t mode, uint8_t wait_flags = 0, uint64_t since_ns = 0) {
  trace::ThreadSlot* s = ts->slot;
  if (!s) return;
  if (t_user_wait.ident != 0 && kind != trace::WaitKind::kLock &&
      kind != trace::WaitKind::kJoin && kind != trace::WaitKind::kFd) {
    // Inside a user channel wait: this condvar/sem/barrier wait is the channel's machinery, the
    // slot keeps showing the channel. A timeout here bounds the channel wait too.
    t_user_wait.wait_flags |= wait_flags & trace::kWaitTimed;
    __atomic_fetch_or(&s->wait_flags, wait_flags & trace::kWaitTimed, __ATOMIC_RELAXED);
    return;
  }
  s->wait_kind = static_cast<uint8_t>(kind);
  s->wait_flags = wait_flags;
  s->wait_lock_id = lock_id;
  s->wait_object = object;
  s->wait_stack_id = stack_id;
  s->wait_mode = mode;
  s->wait_since_ns = since_ns ? since_ns : MonotonicNs();
  __atomic_store_n(&s->state, static_cast<uint32_t>(trace::ThreadState::kBlocked),
                   __ATOMIC_RELEASE);
}

// Process-shared waits may be ended by another process: the watchdog must not call them stuck.
// Both read glibc's private layout (stable since 2.25, the condvar rewrite): the condvar keeps
// PTHREAD_PROCESS_SHARED in bit 0 of __wrefs (nptl/pthread_cond_common.c); the barrier is
// struct pthread_barrier { unsigned in, current_round, count; int shared; ... } with
// shared == FUTEX_SHARED (LLL_SHARED, 128) for a process-shared barrier, 0 for a private one
// (nptl/pthread_barrier_init.c; checked on glibc 2.36).
bool CondIsProcessShared(const void* cond) {
  return (static_cast<const pthread_cond_t*>(cond)->__data.__wrefs & 1u) != 0;
}

bool BarrierIsProcessShared(const void* barrier) {
  int shared;
  memcpy(&shared, static_cast<const uint8_t*>(barrier) + 3 * sizeof(unsigned), sizeof(shared));
  return shared == 128;
}

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

// FileHeader::wake_epoch and the wake table (trace_format.h): changed by every wake-up (cond
// signal/broadcast, barrier arrival) and copied into the slot when a cond/barrier wait begins,
// *before* the wait is published, so a reader (watchdog, analyzer) that sees an equal value knows
// nothing could have woken the waiter since; a signalled waiter that has not run yet still looks
// blocked otherwise. The per-object bucket keeps other condvars' traffic from hiding a stuck one.
uint64_t* WakeEpoch() {
  trace::FileHeader* h = g_writer.header();
  return h ? &h->wake_epoch : nullptr;
}

uint64_t* WakeBucketOf(uintptr_t object) {
  trace::FileHeader* h = g_writer.header();
  if (!h) return nullptr;
  auto* table = reinterpret_cast<uint64_t*>(reinterpret_cast<uint8_t*>(h) + trace::kWakeTableOffset);
  return &table[trace::WakeBucket(object)];
}

// A value no other wake-up in this trace writes: the thread's base (high half, from a process-wide
// counter, taken once per 2^32 wake-ups) plus its own count. Plain stores of unique values instead
// of atomic increments: no read-modify-write on lines every signaller and waiter shares. Readers
// only compare for equality; a late store of an older stamp makes a waiter look possibly woken
// (a miss), never unwoken, since the snapshot's own value is written once.
std::atomic<uint64_t> g_wake_bases{0};

uint64_t NextWakeStamp(ThreadState* ts) {
  if (__builtin_expect(ts->wake_stamp == 0 || (ts->wake_stamp & 0xffffffffu) == 0xffffffffu, 0)) {
    ts->wake_stamp = (g_wake_bases.fetch_add(1, std::memory_order_relaxed) + 1) << 32;
  }
  return ++ts->wake_stamp;
}

void BumpWakeEpoch(ThreadState* ts, uintptr_t object) {
  const uint64_t stamp = NextWakeStamp(ts);
  // Release: before the real signal/barrier call, which orders its own wake-up after it.
  if (uint64_t* b = WakeBucketOf(object)) __atomic_store_n(b, stamp, __ATOMIC_RELEASE);
  if (uint64_t* e = WakeEpoch()) __atomic_store_n(e, stamp, __ATOMIC_RELEASE);
}

void NoteWaitEpoch(ThreadState* ts, uintptr_t object) {
  if (!ts->slot || t_user_wait.ident != 0) return;  // the slot shows the channel's epoch
  if (uint64_t* b = WakeBucketOf(object)) {
    ts->slot->wait_object_epoch = __atomic_load_n(b, __ATOMIC_SEQ_CST);
  }
  if (uint64_t* e = WakeEpoch()) ts->slot->wait_wake_epoch = __atomic_load_n(e, __ATOMIC_SEQ_CST);
}

void ClearWait(ThreadState* ts) {
  trace::ThreadSlot* s = ts->slot;
  if (!s) return;
  if (t_user_wait.ident != 0) {  // a nested wait ended: back to the user channel wait
    PublishChannelWait(ts, &t_user_wait, /*fresh=*/false);
    return;
  }
  __atomic_store_n(&s->state, static_cast<uint32_t>(trace::ThreadState::kRunning),
                   __ATOMIC_RELEASE);
  s->wait_kind = static_cast<uint8_t>(trace::WaitKind::kNone);
  s->wait_flags = 0;
  s->wait_lock_id = 0;
  s->wait_object = 0;
  s->wait_stack_id = 0;
  s->wait_since_ns = 0;
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
    LockEntry* e = FindLock(op->addr);
    if (!e) {
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

// The stack id of the calling site for an operation that is not an acquisition (`tag` names it:
// a condvar wait, an object wait): from the site cache when this call site was seen before, else
// captured once. Condvar waits are as frequent as locks in a thread pool; backtrace() on each
// one would cost microseconds.
uint32_t SiteStackId(const ReentryGuard& g, ThreadState* ts, uintptr_t fp, uint64_t tag) {
  uint64_t site = CallSiteKey(fp, ts->stack_lo, ts->stack_hi);
  if (!site) return CaptureStackId(g, &ts->buf);
  uint64_t key = (site ^ tag) * 0x9e3779b97f4a7c15ull;
  key ^= key >> 31;
  if (!key) key = 1;
  uint32_t stack_id = 0;
  if (SiteLookup(ts, key, &stack_id)) return stack_id;
  stack_id = CaptureStackId(g, &ts->buf);
  SiteInsert(ts, key, stack_id);
  return stack_id;
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
    uint32_t cap = ts->held_cap * 2;
    size_t bytes = (cap * sizeof(HeldLock) + 4095) & ~size_t{4095};
    auto* grown = static_cast<HeldLock*>(internal::MmapZeroed(bytes));
    if (!grown) return;  // out of memory: this hold is not tracked
    memcpy(grown, ts->held, ts->n_held * sizeof(HeldLock));
    if (ts->held_map_bytes) internal::MunmapSafe(ts->held, ts->held_map_bytes);
    ts->held = grown;
    ts->held_cap = static_cast<uint32_t>(bytes / sizeof(HeldLock));
    ts->held_map_bytes = bytes;
  }
  const uint32_t i = ts->n_held++;
  ts->held[i] = h;
  ts->held_hash += HeldHash(h.lock_id, h.mode);
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
    ts->held_hash += HeldHash(ts->held[i].lock_id, ts->held[i].mode);
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
  op->wait_start_ns = MonotonicNs();
  // Before blocking: a hang must still leave the edge in the trace.
  WriteAcquireOp(g, ts, op);
  op->recorded = true;
  SetWait(ts, wait_kind, op->entry->lock_id, op->addr, op->stack_id, op->mode, 0,
          op->wait_start_ns);
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
    const uint64_t ctx = ts->held_hash;
    ts->held_hash += HeldHash(lock_id, op->mode);
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
  const uint64_t ctx = ts->held_hash;
  const uint32_t before = ts->n_held;
  NoteAcquired(ts, op);
  if (rc == 0 && ts->n_held == before + 1) HotInsert(ts, op, ctx);
}

int HotAbort(int rc) {
  ThreadState* ts = t_state;
  const uint32_t n = ts->n_held;
  const HeldLock h = ts->held[n - 1];
  ts->n_held = n - 1;
  ts->held_hash = h.hot->ctx;
  __atomic_store_n(&ts->slot->n_held, n - 1, __ATOMIC_RELEASE);
  --h.hot->hits;  // the general path counts this acquisition
  t_reentry_depth = 0;
  if (rc == EBUSY) return kHotMiss;  // the general path probes once more, then blocks
  // EOWNERDEAD (the lock is now ours) or an error: the general path knows which is which.
  return HotFinish(ts, h.hot, h.addr, static_cast<LockKind>(h.kind),
                   static_cast<LockMode>(h.mode), rc);
}

int HotFinish(ThreadState* ts, HotEntry* e, uintptr_t addr, LockKind kind, LockMode mode,
              int rc) {
  ReentryGuard g;
  AcquireOp op{};
  op.addr = addr;
  op.entry = e->entry;
  op.stack_id = e->stack_id;
  op.mode = static_cast<uint8_t>(mode);
  op.kind = static_cast<uint8_t>(kind);
  op.known = true;
  op.stat = e->stat;
  EndAcquire(g, ts, &op, rc);
  return rc;
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
    ts->held_hash -= HeldHash(h.lock_id, h.mode);
    ts->n_held = n - 1;
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

void AfterLockInit(const ReentryGuard& g, ThreadState* ts, const void* lock, LockKind kind) {
  ErrnoSaver es;
  uint32_t stack_id = CaptureStackId(g, &ts->buf);
  RegisterLock(g, &ts->buf, reinterpret_cast<uintptr_t>(lock), kind, stack_id, true);
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
  LockEntry* e = FindLock(addr);
  if (!e) return;
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
  RetireLock(addr);
  if (idx >= 0) RemoveHeldAt(ts, static_cast<uint32_t>(idx));  // the lock is gone
}

void BeforeCondWait(const ReentryGuard& g, ThreadState* ts, CondWaitOp* op, const void* cond,
                    const void* mutex, bool timed) {
  ErrnoSaver es;
  const uintptr_t maddr = reinterpret_cast<uintptr_t>(mutex);
  const uintptr_t caddr = reinterpret_cast<uintptr_t>(cond);
  uint32_t stack_id = SiteStackId(g, ts, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)),
                                  0xc0dd0001);
  int idx = FindHeld(ts, maddr);
  op->had = idx >= 0;
  uint32_t mutex_id = 0;
  if (op->had) {
    op->saved = ts->held[idx];
    op->saved.stack_id = stack_id;  // reacquired at the wait site
    op->saved.hold_start_ns = 0;    // a hold-time sample must not include the wait
    mutex_id = op->saved.lock_id;
    RemoveHeldAt(ts, static_cast<uint32_t>(idx));
  } else if (LockEntry* e = FindLock(maddr)) {
    mutex_id = e->lock_id;
  }
  if (CondEntry* c = FindCond(caddr, true)) {
    uint64_t expected = 0;
    if (!c->mutex_addr.compare_exchange_strong(expected, maddr, std::memory_order_acq_rel)) {
      if (expected != maddr) {
        uint32_t zero = 0;
        if (c->reported.compare_exchange_strong(zero, 1, std::memory_order_relaxed)) {
          WriteMisuse(g, ts, trace::MisuseKind::kCondTwoMutexes, caddr,
                      c->mutex_id.load(std::memory_order_relaxed), stack_id, 0, mutex_id);
        }
      }
    } else {
      c->mutex_id.store(mutex_id, std::memory_order_relaxed);
    }
  }
  // The reacquire edge (held set without the mutex -> mutex), written before blocking.
  if (op->had) {
    WriteAcquire(g, ts, mutex_id, stack_id, static_cast<uint8_t>(LockMode::kExclusive), 0);
  }
  NoteWaitEpoch(ts, caddr);
  if (trace::ThreadSlot* s = ts->slot) {
    CondEntry* c = FindCond(caddr, false);
    uint64_t who = c ? c->lost_who.load(std::memory_order_acquire) : 0;
    s->wait_lost_signal_ns = who ? c->lost_ns.load(std::memory_order_relaxed) : 0;
    s->wait_lost_signal_tid = static_cast<uint32_t>(who >> 32);
    s->wait_lost_signal_stack_id = static_cast<uint32_t>(who);
  }
  SetWait(ts, trace::WaitKind::kCond, mutex_id, caddr, stack_id, 0,
          static_cast<uint8_t>((timed ? trace::kWaitTimed : 0) |
                               (CondIsProcessShared(cond) ? trace::kWaitShared : 0)));
}

void AfterCondWait(const ReentryGuard&, ThreadState* ts, CondWaitOp* op, int rc) {
  ErrnoSaver es;
  (void)rc;  // on timeout the mutex is reacquired too
  ClearWait(ts);
  if (!op->had) return;
  PushHeld(ts, op->saved);
}

// glibc >= 2.25 keeps the number of waiters in __wrefs >> 3 (nptl/pthread_cond_common.c; its own
// signal returns at once when it is 0): a signal that finds none wakes nobody, it is lost.
static bool CondHasWaiters(const void* cond) {
  return (__atomic_load_n(&static_cast<const pthread_cond_t*>(cond)->__data.__wrefs,
                          __ATOMIC_RELAXED) >> 3) != 0;
}

void OnCondSignal(const ReentryGuard& g, ThreadState* ts, const void* cond, bool) {
  const auto caddr = reinterpret_cast<uintptr_t>(cond);
  BumpWakeEpoch(ts, caddr);  // a waiter may be woken: not stuck
  ErrnoSaver es;
  if (CondHasWaiters(cond)) {
    CondEntry* c = FindCond(caddr, false);
    if (c && c->lost_who.load(std::memory_order_relaxed) != 0) {
      c->lost_who.store(0, std::memory_order_relaxed);
    }
    return;
  }
  // Rare path (a signal nobody waits for): remember who sent it and from where.
  CondEntry* c = FindCond(caddr, true);
  if (!c) return;
  uint32_t stack_id = SiteStackId(g, ts, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)),
                                  0xc0dd0002);
  c->lost_ns.store(MonotonicNs(), std::memory_order_relaxed);
  c->lost_who.store(uint64_t{ts->tid} << 32 | stack_id, std::memory_order_release);
}

void OnCondInitOrDestroy(const ReentryGuard&, const void* cond) {
  ErrnoSaver es;
  ForgetCond(reinterpret_cast<uintptr_t>(cond));
}

void BeginObjectWait(const ReentryGuard& g, ThreadState* ts, trace::WaitKind kind,
                     const void* object, bool timed) {
  ErrnoSaver es;
  uint32_t stack_id =
      SiteStackId(g, ts, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)),
                  0x0b1e0000u | static_cast<uint8_t>(kind));
  bool shared = kind == trace::WaitKind::kBarrier && BarrierIsProcessShared(object);
  if (kind == trace::WaitKind::kBarrier) {
    BumpWakeEpoch(ts, reinterpret_cast<uintptr_t>(object));  // may release the others
    NoteWaitEpoch(ts, reinterpret_cast<uintptr_t>(object));
  }
  SetWait(ts, kind, 0, reinterpret_cast<uintptr_t>(object), stack_id, 0,
          static_cast<uint8_t>((timed ? trace::kWaitTimed : 0) | (shared ? trace::kWaitShared : 0)));
}

__thread ChannelWait t_user_wait __attribute__((tls_model("initial-exec")));

void PublishChannelWait(ThreadState* ts, ChannelWait* w, bool fresh) {
  trace::ThreadSlot* s = ts->slot;
  if (!s || w->ident == 0) return;
  if (fresh) {
    w->since_ns = MonotonicNs();
    // Before the wait is published (and before the real call): a bump after this may have
    // ended it (trace_format.h, ChannelWakeKey).
    if (uint64_t* b = WakeBucketOf(trace::ChannelWakeKey(w->ident, w->dir))) {
      w->object_epoch = __atomic_load_n(b, __ATOMIC_SEQ_CST);
    }
    if (uint64_t* e = WakeEpoch()) w->wake_epoch = __atomic_load_n(e, __ATOMIC_SEQ_CST);
  }
  s->wait_fd = w->fd;
  s->wait_channel = w->kind;
  s->wait_dir = w->dir;
  s->wait_object_epoch = w->object_epoch;
  s->wait_wake_epoch = w->wake_epoch;
  SetWait(ts, trace::WaitKind::kFd, 0, w->ident, w->stack_id, 0, w->wait_flags, w->since_ns);
}

void BumpChannelWake(ThreadState* ts, uint64_t ident, trace::ChannelOp waiters) {
  BumpWakeEpoch(ts, trace::ChannelWakeKey(ident, static_cast<uint8_t>(waiters)));
}

uint32_t WaitSiteStackId(const ReentryGuard& g, ThreadState* ts, uint32_t tag) {
  return SiteStackId(g, ts, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)),
                     0x0c4a0000u | tag);
}

void EndObjectWait(const ReentryGuard&, ThreadState* ts) {
  ErrnoSaver es;
  ClearWait(ts);
}

}  // namespace rt
}  // namespace lockscope
