// lock_table.h — address -> lock identity, a lock-free open-addressed hash in mmap'd memory.
//
// Identity rules: a lock is (address, generation). The first use of an address registers it
// (new lock_id from a global counter starting at 1, kLockDef written by the registering thread).
// *_destroy retires the entry; the next use at that address registers a new lock with
// generation + 1 (kLockDef again). *_init on a live entry retires it first.
// Concurrency: the key is claimed with a CAS; the entry's `state` is kBusy while one thread
// registers it, and other threads wait (bounded) for kLive. owner_tid is the exclusive holder
// (0 = none or shared), maintained by thread_state.cpp.
// No malloc: the table is one anonymous mapping (MAP_NORESERVE; pages touched on demand).
// Capacity: when a probe sequence exceeds kMaxProbe the lock is untracked (one warning line).
// kUntracked: *_init at a site over max_lock_instances (init_sites.h) keeps the address's entry
// but gives it no identity: its lock operations pass through (FindLock reports it, RegisterLock
// leaves it alone except for another *_init), until *_destroy retires it.

#ifndef LOCKSCOPE_RUNTIME_LOCK_TABLE_H_
#define LOCKSCOPE_RUNTIME_LOCK_TABLE_H_

#include <atomic>
#include <cstdint>

#include "event_buffer.h"
#include "internal/reentry_guard.h"
#include "lockscope/trace_format.h"

namespace lockscope {
namespace rt {

struct LockEntry {
  enum : uint32_t { kBusy = 0, kLive = 1, kRetired = 2, kUntracked = 3 };
  std::atomic<uint64_t> addr;      // identity: 0 = empty slot
  std::atomic<uint32_t> state;     // kBusy / kLive / kRetired / kUntracked
  uint32_t lock_id;                // valid when kLive
  uint32_t generation;
  uint16_t attrs;                  // trace::LockAttr
  uint8_t kind;                    // trace::LockKind
  uint8_t reserved;                // kSemaphore: 1 once posted by a non-holder (BeforeSemPost)
  std::atomic<uint32_t> owner_tid; // exclusive holder, 0 = none
  uint32_t init_site;              // init_sites.h slot of the *_init that made it (0: none)
};
static_assert(sizeof(LockEntry) == 32);

// Condvar -> the mutex it is used with (for kCondTwoMutexes), and its last lost signal.
struct CondEntry {
  std::atomic<uint64_t> cond;
  std::atomic<uint64_t> mutex_addr;
  std::atomic<uint32_t> mutex_id;
  std::atomic<uint32_t> reported;
  // The last signal/broadcast, when it found no waiter: (tid << 32 | stack_id), 0 when the last
  // one woke a waiter (or none came), and the time of the first signal of that run from the same
  // thread and call site (OnCondSignal stores nothing for its repeats). Written by signallers,
  // copied into a waiter's slot when its wait begins (ThreadSlot::wait_lost_signal_*). Two
  // stores, no lock: a reader may pair a time with another signaller's id, never invent a lost
  // signal.
  std::atomic<uint64_t> lost_who;
  std::atomic<uint64_t> lost_ns;
};

bool LockTableInit();   // maps the tables; false on failure
void LockTableReset();  // drop everything (fork child, tests): remap fresh zero pages

// The live entry for `addr`, or null if the runtime never saw it (or it was destroyed, or it is
// untracked: then *untracked, when given, is set).
LockEntry* FindLock(uintptr_t addr, bool* untracked = nullptr);
// The live entry for `addr`, registering it (kLockDef into `buf`) if needed. `init_called`
// forces a new generation when the address is already live. Null when the table is full, or
// when the address is untracked and this is not an *_init.
LockEntry* RegisterLock(const ReentryGuard& g, EventBuffer* buf, uintptr_t addr,
                        trace::LockKind kind, uint32_t stack_id, bool init_called);
// Retires the live entry for `addr`; returns it (still readable) or null.
LockEntry* RetireLock(uintptr_t addr);
// Marks `addr` untracked (its entry created if needed, a live identity dropped without a
// kLockDestroy: as a re-init does). False when the table is full around it.
bool UntrackLock(uintptr_t addr);
// *_destroy of an untracked lock: the address is retired, so whatever lock lives there next
// (e.g. one that is never *_init'ed) is traced as usual.
void RetireUntracked(uintptr_t addr);

// The lock's hot word: lock_id << 32 | the tid of its last exclusive holder (contention profile:
// owner changes), with a lock_id of 0 while the entry is not live (being registered, retired).
// The hot path (hot_path.h) checks both, the lock still being the one it cached and this thread
// being its last owner, with one load and one compare. Kept apart from the LockEntry, which the
// general path reads on each look-up: the word is written whenever ownership moves between
// threads. Written by RegisterLock and RetireLock, and by the new exclusive holder
// (SetLastOwner) — a holder, so never concurrently with a destroy or a re-init, which POSIX does
// not allow on a held lock. Never null for an entry of the table.
std::atomic<uint64_t>* HotWordOf(const LockEntry* e);
inline uint32_t LastOwner(const LockEntry* e) {
  return static_cast<uint32_t>(HotWordOf(e)->load(std::memory_order_relaxed));
}
inline void SetLastOwner(const LockEntry* e, uint32_t tid) {
  HotWordOf(e)->store(uint64_t{e->lock_id} << 32 | tid, std::memory_order_relaxed);
}

// The condvar entry for `cond` (created on first use), or null when full.
CondEntry* FindCond(uintptr_t cond, bool create);
void ForgetCond(uintptr_t cond);

// Attribute bits of a lock from glibc's object layout (mutex kind, rwlock preference).
uint16_t ReadLockAttrs(trace::LockKind kind, uintptr_t addr);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_LOCK_TABLE_H_
