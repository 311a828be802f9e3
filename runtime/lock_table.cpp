#include "lock_table.h"

#include <pthread.h>
#include <sched.h>

#include "internal/mmap_alloc.h"
#include "internal/raw_log.h"
#include "runtime.h"

namespace lockscope {
namespace rt {
namespace {

constexpr uint64_t kLockSlots = 1u << 20;
constexpr uint64_t kCondSlots = 1u << 16;
constexpr uint32_t kMaxProbe = 4096;

LockEntry* g_locks = nullptr;
std::atomic<uint64_t>* g_hot_words = nullptr;  // parallel to g_locks (HotWordOf)
CondEntry* g_conds = nullptr;
std::atomic<uint32_t> g_next_lock_id{1};
std::atomic<bool> g_full_warned{false};

uint64_t HashAddr(uint64_t a) {
  a ^= a >> 33;
  a *= 0xff51afd7ed558ccdull;
  a ^= a >> 33;
  return a;
}

void WarnFull() {
  if (!g_full_warned.exchange(true)) {
    internal::RawLog("lock table full; further new locks are not tracked, the program continues");
  }
}

// Waits (bounded) while another thread registers the entry. Returns the final state.
uint32_t WaitNotBusy(LockEntry* e) {
  for (int i = 0; i < 1000000; ++i) {
    uint32_t s = e->state.load(std::memory_order_acquire);
    if (s != LockEntry::kBusy) return s;
    if (i > 32) sched_yield();
  }
  return LockEntry::kBusy;  // the registering thread is gone (should not happen): give up
}

// The entry keyed `addr` in any state (*state: after waiting out a registration), or null.
LockEntry* FindEntry(uintptr_t addr, uint32_t* state) {
  if (!g_locks || !addr) return nullptr;
  uint64_t h = HashAddr(addr);
  for (uint32_t i = 0; i < kMaxProbe; ++i) {
    LockEntry* e = &g_locks[(h + i) & (kLockSlots - 1)];
    uint64_t k = e->addr.load(std::memory_order_acquire);
    if (k == 0) return nullptr;
    if (k != addr) continue;
    *state = WaitNotBusy(e);
    return e;
  }
  return nullptr;
}

// Called by the thread that owns the entry in state kBusy.
void Publish(const ReentryGuard& g, EventBuffer* buf, LockEntry* e, uintptr_t addr,
             trace::LockKind kind, uint32_t stack_id, bool init_called, uint32_t generation) {
  HotWordOf(e)->store(0, std::memory_order_relaxed);  // hot entries of the old identity miss
  e->lock_id = g_next_lock_id.fetch_add(1, std::memory_order_relaxed);
  e->generation = generation;
  e->kind = static_cast<uint8_t>(kind);
  e->reserved = 0;
  e->init_site = 0;  // AfterLockInit sets it
  e->attrs = static_cast<uint16_t>(ReadLockAttrs(kind, addr) |
                                   (init_called ? trace::kAttrInitCalled
                                                : trace::kAttrStaticInitializer));
  e->owner_tid.store(0, std::memory_order_relaxed);
  auto r = MakeRecord<trace::LockDef>(trace::RecordKind::kLockDef);
  r.seq = NextSeq();
  r.address = addr;
  r.lock_id = e->lock_id;
  r.generation = generation;
  r.stack_id = stack_id;
  r.attrs = e->attrs;
  r.lock_kind = e->kind;
  EmitRecord(g, buf, r);
  HotWordOf(e)->store(uint64_t{e->lock_id} << 32, std::memory_order_relaxed);  // no owner yet
  e->state.store(LockEntry::kLive, std::memory_order_release);
}

}  // namespace

bool LockTableInit() {
  if (!g_locks) g_locks = static_cast<LockEntry*>(internal::MmapZeroed(kLockSlots * sizeof(LockEntry)));
  if (!g_hot_words) {
    g_hot_words = static_cast<std::atomic<uint64_t>*>(
        internal::MmapZeroed(kLockSlots * sizeof(std::atomic<uint64_t>)));
  }
  if (!g_conds) g_conds = static_cast<CondEntry*>(internal::MmapZeroed(kCondSlots * sizeof(CondEntry)));
  return g_locks && g_hot_words && g_conds;
}

void LockTableReset() {
  internal::MunmapSafe(g_locks, kLockSlots * sizeof(LockEntry));
  internal::MunmapSafe(g_hot_words, kLockSlots * sizeof(std::atomic<uint64_t>));
  internal::MunmapSafe(g_conds, kCondSlots * sizeof(CondEntry));
  g_locks = nullptr;
  g_hot_words = nullptr;
  g_conds = nullptr;
  g_next_lock_id.store(1, std::memory_order_relaxed);
  g_full_warned.store(false, std::memory_order_relaxed);
  LockTableInit();
}

LockEntry* FindLock(uintptr_t addr, bool* untracked) {
  uint32_t s = LockEntry::kBusy;
  LockEntry* e = FindEntry(addr, &s);
  if (untracked) *untracked = e && s == LockEntry::kUntracked;
  return e && s == LockEntry::kLive ? e : nullptr;
}

LockEntry* RegisterLock(const ReentryGuard& g, EventBuffer* buf, uintptr_t addr,
                        trace::LockKind kind, uint32_t stack_id, bool init_called) {
  if (!g_locks || !addr) return nullptr;
  uint64_t h = HashAddr(addr);
  for (uint32_t i = 0; i < kMaxProbe; ++i) {
    LockEntry* e = &g_locks[(h + i) & (kLockSlots - 1)];
    uint64_t k = e->addr.load(std::memory_order_acquire);
    if (k == 0) {
      if (e->addr.compare_exchange_strong(k, addr, std::memory_order_acq_rel)) {
        // New key: state is kBusy (zero) and we own it.
        Publish(g, buf, e, addr, kind, stack_id, init_called, 0);
        return e;
      }
    }
    if (k != addr) continue;
    for (int spins = 0; spins < 1000; ++spins) {
      uint32_t s = WaitNotBusy(e);
      if (s == LockEntry::kBusy) return nullptr;
      if (s == LockEntry::kLive && !init_called) return e;
      if (s == LockEntry::kUntracked && !init_called) return nullptr;  // capped (UntrackLock)
      // Retired (destroyed), or *_init over a live lock: re-register with generation + 1.
      if (e->state.compare_exchange_strong(s, LockEntry::kBusy, std::memory_order_acq_rel)) {
        Publish(g, buf, e, addr, kind, stack_id, init_called, e->generation + 1);
        return e;
      }
      init_called = false;  // someone else re-registered it concurrently: use theirs
    }
    return nullptr;
  }
  WarnFull();
  return nullptr;
}

std::atomic<uint64_t>* HotWordOf(const LockEntry* e) { return &g_hot_words[e - g_locks]; }

LockEntry* RetireLock(uintptr_t addr) {
  LockEntry* e = FindLock(addr);
  if (!e) return nullptr;
  uint32_t s = LockEntry::kLive;
  if (!e->state.compare_exchange_strong(s, LockEntry::kRetired, std::memory_order_acq_rel)) {
    return nullptr;
  }
  HotWordOf(e)->store(0, std::memory_order_relaxed);  // every thread's hot entries for it miss
  return e;
}

bool UntrackLock(uintptr_t addr) {
  if (!g_locks || !addr) return false;
  uint64_t h = HashAddr(addr);
  for (uint32_t i = 0; i < kMaxProbe; ++i) {
    LockEntry* e = &g_locks[(h + i) & (kLockSlots - 1)];
    uint64_t k = e->addr.load(std::memory_order_acquire);
    if (k == 0 && e->addr.compare_exchange_strong(k, addr, std::memory_order_acq_rel)) {
      // New key: state is kBusy (zero) and we own it; its hot word is still 0.
      e->state.store(LockEntry::kUntracked, std::memory_order_release);
      return true;
    }
    if (k != addr) continue;
    for (int spins = 0; spins < 1000; ++spins) {
      uint32_t s = WaitNotBusy(e);
      if (s == LockEntry::kBusy) return false;
      if (s == LockEntry::kUntracked) return true;
      if (e->state.compare_exchange_strong(s, LockEntry::kBusy, std::memory_order_acq_rel)) {
        HotWordOf(e)->store(0, std::memory_order_relaxed);  // hot entries of the old identity miss
        e->state.store(LockEntry::kUntracked, std::memory_order_release);
        return true;
      }
    }
    return false;
  }
  WarnFull();
  return false;
}

void RetireUntracked(uintptr_t addr) {
  uint32_t s = LockEntry::kBusy;
  if (LockEntry* e = FindEntry(addr, &s)) {
    s = LockEntry::kUntracked;
    e->state.compare_exchange_strong(s, LockEntry::kRetired, std::memory_order_acq_rel);
  }
}

CondEntry* FindCond(uintptr_t cond, bool create) {
  if (!g_conds || !cond) return nullptr;
  uint64_t h = HashAddr(cond);
  for (uint32_t i = 0; i < kMaxProbe; ++i) {
    CondEntry* e = &g_conds[(h + i) & (kCondSlots - 1)];
    uint64_t k = e->cond.load(std::memory_order_acquire);
    if (k == cond) return e;
    if (k == 0) {
      if (!create) return nullptr;
      if (e->cond.compare_exchange_strong(k, cond, std::memory_order_acq_rel) || k == cond) {
        return e;
      }
    }
  }
  return nullptr;
}

void ForgetCond(uintptr_t cond) {
  CondEntry* e = FindCond(cond, false);
  if (!e) return;
  // Keep the key (no tombstones needed): just forget the association.
  e->mutex_addr.store(0, std::memory_order_relaxed);
  e->mutex_id.store(0, std::memory_order_relaxed);
  e->reported.store(0, std::memory_order_relaxed);
}

uint16_t ReadLockAttrs(trace::LockKind kind, uintptr_t addr) {
  uint16_t attrs = 0;
  if (kind == trace::LockKind::kMutex) {
    // glibc: __data.__kind & 3 is the mutex type; PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP sets it
    // statically too, so this works without *_init. (2: errorcheck, 3: adaptive.)
    int k = reinterpret_cast<const pthread_mutex_t*>(addr)->__data.__kind & 3;
    if (k == PTHREAD_MUTEX_RECURSIVE) attrs |= trace::kAttrRecursive;
    if (k == PTHREAD_MUTEX_ERRORCHECK) attrs |= trace::kAttrErrorCheck;
  } else if (kind == trace::LockKind::kRwLock) {
    unsigned f = reinterpret_cast<const pthread_rwlock_t*>(addr)->__data.__flags;
    if (f == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP) attrs |= trace::kAttrPreferWriter;
  }
  return attrs;
}

}  // namespace rt
}  // namespace lockscope
