// thread_state.h — per-thread runtime state and ALL recording policy (interceptors only adapt).
//
// Identity: one ThreadState per thread, mmap'd at thread start (trampoline) or on the thread's
// first intercepted call; found through the initial-exec TLS pointer t_tls.state
// (internal/reentry_guard.h).
// Evidence: the thread's EventBuffer (its chunks in the trace file) and its ThreadSlot (live
// state mirrored into the file on every change: held locks, current wait).
// State: epoch, held-lock stack (grows by mmap; 1 000+ locks at once are fine), dedup set.
// Thread-safety: a ThreadState is touched only by its own thread (fork child: the survivor).
// No malloc, no stdio, no intercepted lock anywhere below (unit test rt_no_alloc_test.cpp).
// Every entry point preserves errno, so the program sees the real call's errno unchanged.
//
// Ordering rules (why the code is the way it is):
//  - A blocking acquire writes its kAcquire *before* blocking, so a hang still leaves the edge.
//  - owner_tid (spin locks, semaphores, annotated locks only: glibc keeps the owner of mutexes
//    and rwlocks in the object) is set after the real lock succeeds and cleared *before* the
//    real unlock, so a new owner that wins the lock right after our unlock is never overwritten.
//  - Most lock/unlock calls never get here: hot_path.h handles repeats of known dependencies.
//  - A slot's wait fields are written before state=kBlocked (release), cleared after kRunning.

#ifndef LOCKSCOPE_RUNTIME_THREAD_STATE_H_
#define LOCKSCOPE_RUNTIME_THREAD_STATE_H_

#include <pthread.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "event_buffer.h"
#include "stack_table.h"
#include "wait_clock.h"
#include "internal/reentry_guard.h"
#include "lockscope/trace_format.h"

namespace lockscope {
namespace rt {

struct LockEntry;
struct LockStat;
struct SiteEntry;
struct HotEntry;
struct CondEntry;

// The first 48 bytes are what the hot path copies from its HotEntry template (hot_path.h).
struct HeldLock {
  uintptr_t addr;
  LockEntry* entry;
  uint32_t lock_id;
  uint32_t stack_id;
  uint32_t count;
  uint8_t mode;  // trace::LockMode
  uint8_t kind;  // trace::LockKind
  uint8_t reserved[2];
  uint64_t hash;           // HeldDelta(lock_id, mode), valid while hot_pop != 0
  uint64_t hold_start_ns;  // != 0: this hold is a hold-time sample (lock_stats.h)
  // Pushed by the hot path from this entry (else null). Below index kHotMaxHeld, also above the
  // top of the stack: hot == e and hot_pop == addr mean this entry and the slot's mirror of it
  // still hold exactly what the hot path pushed from e (its template), so a push from e at this
  // index may skip writing them. So whoever writes a held entry otherwise, or e's template
  // (HotInsert), or gives the thread a new slot, clears it.
  HotEntry* hot;
  // == addr: the hot path's release may pop this entry (it pushed it, held once, no hold-time
  // sample, lock identity unchanged); 0 otherwise, and always 0 from index kHotMaxHeld on (the
  // slot mirrors no more). Whoever changes count, hold_start_ns or lock_id of an entry clears it.
  uintptr_t hot_pop;
};
static_assert(sizeof(HeldLock) == 64);

// Per-thread cache of the last lock-table look-ups (lock_stats.h explains the fast path).
struct LockCacheEntry {
  uintptr_t addr;    // 0 = empty
  LockEntry* entry;
  uint32_t lock_id;  // entry->lock_id when cached: a destroyed and re-registered lock misses
  uint32_t reserved;
  LockStat* stat;    // this thread's counters for the lock, null when the stat table is full
};

// Per-thread memo of the condvars this thread signals (thread_waits.cpp, OnCondSignal): the
// condvar's table entry (never removed, so the pointer stays good until a fork resets the tables
// and ResetFastPath this memo), and the lost signal this thread last recorded on it.
struct CondMemo {
  uintptr_t cond;        // 0 = empty
  CondEntry* entry;
  uintptr_t site_ret;    // that lost signal's call site: return address and interceptor frame
  uintptr_t site_fp;
  uint64_t who;          // the CondEntry::lost_who it stored (tid << 32 | stack_id)
};

// Per-thread memo of condvar wait call sites (thread_waits.cpp, BeforeCondWait). A thread pool's
// worker waits from one place thousands of times: the frames its call-site key was made of,
// re-checked exactly as a hot entry's are (SiteChainHolds, stack_table.h), give the wait's stack
// id without the frame walk and the site cache. With the same epoch, held set and mutex as when
// the reacquire edge was last written (or found written), the dedup probe is skipped too.
struct WaitMemo {
  uintptr_t fp;        // SiteChain::fp, the interceptor's frame; 0 = empty
  uintptr_t ret;       // SiteChain::ret
  uintptr_t f[4];      // SiteChain::f / r
  uintptr_t r[4];
  uint32_t n;          // SiteChain::n
  uint32_t stack_id;   // what SiteStackId gave for these frames
  uint64_t ctx;        // held_ctx without the mutex when the edge was last known written
  uint32_t epoch;      //   ... and the epoch
  uint32_t mutex_id;   //   ... and the mutex (0: no edge known)
};

struct ThreadState {
  inline static constexpr uint32_t kInlineHeld = 32;
  inline static constexpr uint32_t kDedupSlots = 4096;
  inline static constexpr uint32_t kSiteSlots = 2048;   // SiteEntry cache (power of two)
  inline static constexpr uint32_t kStatSlots = 1024;   // LockStat table (power of two)
  inline static constexpr uint32_t kLockCache = 64;  // direct-mapped by address (power of two)
  inline static constexpr uint32_t kHotSlots = 512;  // HotEntry cache (power of two)
  inline static constexpr uint32_t kCondMemo = 16;   // CondMemo, direct-mapped (power of two)
  inline static constexpr uint32_t kWaitMemo = 16;   // WaitMemo, 2-way (power of two)
  // The hot path pushes only below this depth (held_cap >= kInlineHeld, slot holds kSlotHeld).
  inline static constexpr uint32_t kHotMaxHeld =
      kInlineHeld < trace::kSlotHeld ? kInlineHeld : trace::kSlotHeld;

  // --- identity
  uint32_t tid;
  uint64_t pthread_self;
  // --- evidence
  EventBuffer buf;
  trace::ThreadSlot* slot;  // null: more threads than slots (traced without live state)
  // --- state
  uint32_t epoch;
  // The held set's depth and hash, one word to the hot path (hot_path.h): a push or pop of its
  // own is one store or one subtraction, and a hot entry keyed on the word matches only at the
  // depth it was made at (so never at kHotMaxHeld or beyond). held_hash is the sum of
  // HeldHash32() over held[] (mod 2^32; updated on push/pop, never rescanned): the word changes
  // by HeldDelta(lock_id, mode) per entry, and n_held >= 1 on a pop, so no borrow crosses halves.
  // 32 bits of hash: two held sets of the same depth collide with odds 2^-32, which can only
  // hide a dependency (DependencyKey), never make one up.
  union {
    uint64_t held_ctx;
    struct {
      uint32_t n_held;
      uint32_t held_hash;
    };
  };
  uint32_t held_cap;
  HeldLock* held;           // held_inline or an mmap'd array (both after a floor entry)
  size_t held_map_bytes;    // 0 while inline
  uint64_t* dedup;          // kDedupSlots keys, 0 = empty (lives after this struct)
  uint32_t dedup_used;
  // --- fast path (lock_stats.h): all three live in the same mapping, after `dedup`
  uintptr_t stack_lo;       // [stack_lo, stack_hi): part of this thread's stack known to be
  uintptr_t stack_hi;       //   mapped, bounding the frame walk; stack_hi 0 = unknown (no walk)
  SiteEntry* sites;         // kSiteSlots: (dependency, call-site key) -> stack_id
  LockStat* stats;          // kStatSlots: per-lock counters of this thread
  HotEntry* hot;            // kHotSlots (hot_path.h)
  struct HotCold* hot_cold;  // kHotSlots, parallel to `hot`
  uint32_t stats_used;
  uint32_t lock_cache_next;
  uintptr_t shallow_sites[64];  // CallSiteKey's noisy innermost frames (stack_table.h)
  LockCacheEntry lock_cache[kLockCache];
  uint64_t wake_stamp;      // the last wake-table stamp this thread took (cond_signal.h)
  CondMemo cond_memo[kCondMemo];
  WaitMemo wait_memo[kWaitMemo];
  bool via_pthread_exit;
  bool exited;
  int dtor_rounds;
  size_t map_bytes;
  // held[-1], always readable with hot_pop 0 (as the entry before an mmap'd `held`): the hot
  // release compares the innermost entry without testing for an empty held set first.
  HeldLock held_floor;
  HeldLock held_inline[kInlineHeld];
};
static_assert(offsetof(ThreadState, held_inline) ==
              offsetof(ThreadState, held_floor) + sizeof(HeldLock));

// Where a thread came from (written in its kThreadStart).
struct ThreadOrigin {
  uint32_t parent_tid = 0;
  uint32_t create_stack_id = 0;
  uint32_t parent_epoch = 0;
  uint64_t start_routine = 0;
  uintptr_t stack_lo = 0;  // the thread's own stack, when known (trampoline, main thread)
  uintptr_t stack_hi = 0;
  size_t stack_size = 0;   // from the creator's attributes, when the stack itself is not known
  bool detached = false;   // created PTHREAD_CREATE_DETACHED: never joined, and no leak
};

// --- thread lifecycle (thread_lifecycle.cpp)
bool ThreadingInit();  // pthread key, thread table, argument pool
// The calling thread's state; created on first use (kThreadStart with an unknown parent).
// Null when the thread has already exited or the runtime is off.
ThreadState* CurrentThreadState(const ReentryGuard& g);
ThreadState* CreateThreadState(const ReentryGuard& g, const ThreadOrigin& origin);
// kThreadExit (+ kExitHoldingLock), slot kExited, buffer closed. `release` frees the memory.
void ExitThread(const ReentryGuard& g, ThreadState* ts, bool release);
void ResetThreadStateAfterFork(const ReentryGuard& g, ThreadState* ts, uint32_t parent_tid);
void ThreadingResetAfterFork();

struct ThreadArgs;  // trampoline argument block (mmap'd pool)
// Returns the trampoline's argument block, or null (then call the real pthread_create as is).
ThreadArgs* BeforeThreadCreate(const ReentryGuard& g, ThreadState* ts, void* (*fn)(void*),
                               void* arg);
// The new thread's stack as `attr` (null: the defaults) gives it; the trampoline bounds its
// frame walk with it (thread_lifecycle.cpp: StackBounds). Also its detach state (kStartDetached).
void NoteThreadAttr(ThreadArgs* args, const pthread_attr_t* attr);
void AfterThreadCreate(const ReentryGuard& g, ThreadState* ts, ThreadArgs* args, int rc);
// A copy of args->origin (an empty origin for null args).
ThreadOrigin OriginOf(const ThreadArgs* args);
// kThreadCreated, in the creator, after a successful create (the child may not have run yet).
void RecordThreadCreated(const ReentryGuard& g, ThreadState* ts, pthread_t child,
                         const ThreadOrigin& origin);
void* ThreadTrampoline(void* args);
// Join: returns the target's tid (0 if unknown); marks the slot blocked when `blocking`.
// `timed`: pthread_timedjoin_np (slot wait_flags kWaitTimed).
uint32_t BeforeJoin(const ReentryGuard& g, ThreadState* ts, pthread_t target, bool blocking,
                    uint32_t* stack_id, bool timed = false);
void AfterJoin(const ReentryGuard& g, ThreadState* ts, pthread_t target, uint32_t target_tid,
               uint32_t stack_id, int rc);
void OnDetach(const ReentryGuard& g, ThreadState* ts, pthread_t target, int rc);
void OnSetName(const ReentryGuard& g, ThreadState* ts, pthread_t target, const char* name, int rc);
void OnPthreadExit(const ReentryGuard& g, ThreadState* ts);
void AfterFork(const ReentryGuard& g, ThreadState* ts, pid_t rc, uint32_t stack_id);
uint32_t LookupThreadTid(uint64_t pthread_self);

// --- locks (thread_state.cpp)
struct AcquireOp {
  uintptr_t addr;
  LockEntry* entry;  // null: untracked lock, nothing is recorded
  uint32_t stack_id;
  uint8_t mode;
  uint8_t kind;
  uint8_t flags;     // AcquireFlag bits gathered so far (reentrant, contended)
  bool recorded;     // the kAcquire was written before blocking
  bool known;        // fast path: this dependency at this call site was already written
  uint64_t dep_key;  // site-cache key (0: no call-site key, always take the slow path)
  uintptr_t ret0;    // innermost program return address of the call site (0: unknown)
  SiteChain chain;   // the frames of the call-site key (chain.n == 0: none)
  LockStat* stat;    // this thread's counters for the lock (may be null)
  WaitStart wait;    // contended acquisitions only
};
// Blocking acquire protocol (interceptor): BeginAcquire; rc = real trylock; if rc == EBUSY
// { BeginBlockedAcquire; rc = real lock; EndBlockedAcquire; } EndAcquire(rc).
void BeginAcquire(const ReentryGuard& g, ThreadState* ts, AcquireOp* op, const void* lock,
                  trace::LockKind kind, trace::LockMode mode);
// `wait_kind`: what the slot shows while blocked (kSem for a semaphore: the watchdog never calls
// a semaphore wait stuck, a signal handler may post it).
void BeginBlockedAcquire(const ReentryGuard& g, ThreadState* ts, AcquireOp* op,
                         trace::WaitKind wait_kind = trace::WaitKind::kLock);
void EndBlockedAcquire(const ReentryGuard& g, ThreadState* ts, AcquireOp* op);
void EndAcquire(const ReentryGuard& g, ThreadState* ts, AcquireOp* op, int rc);
// try/timed/clock variants, after the real call. `flags`: kAcqTry or kAcqTimed.
void OnTryAcquire(const ReentryGuard& g, ThreadState* ts, const void* lock, trace::LockKind kind,
                  trace::LockMode mode, uint8_t flags, int rc);
// Before the real unlock.
void BeforeRelease(const ReentryGuard& g, ThreadState* ts, const void* lock, trace::LockKind kind);
// After a successful real *_init. `site`: the init call's return address in the program
// (LOCKSCOPE_CALLER), 0 if unknown; beyond max_lock_instances inits at one site the lock is not
// traced (init_sites.h): no stack capture, no kLockDef, its operations pass through.
void AfterLockInit(const ReentryGuard& g, ThreadState* ts, const void* lock, trace::LockKind kind,
                   uintptr_t site);
// Before the real *_destroy.
void BeforeLockDestroy(const ReentryGuard& g, ThreadState* ts, const void* lock,
                       trace::LockKind kind);

// Binary semaphores as locks: sem_init(s, _, 1) registers s (AfterLockInit, kSemaphore).
// SemAsLock: whether this sem_wait is an acquisition — s is registered, nobody has posted it
// without holding it, and this thread does not hold it already (then it is a plain wait).
bool SemAsLock(ThreadState* ts, const void* sem);
// Before the real sem_post: a release when this thread holds s; else the first such post
// writes kSemSignal (the semaphore signals between threads).
void BeforeSemPost(const ReentryGuard& g, ThreadState* ts, const void* sem);

// Condition variables: the wait is release + blocked + reacquire.
struct CondWaitOp {
  HeldLock saved;
  bool had;  // the mutex was in this thread's held set
};
// `timed`: timedwait/clockwait (slot wait_flags kWaitTimed: the watchdog never calls it stuck).
// `fp`: the interceptor's frame (LOCKSCOPE_FRAME); 0 (tests) walks from here and memoizes nothing.
void BeforeCondWait(const ReentryGuard& g, ThreadState* ts, CondWaitOp* op, const void* cond,
                    const void* mutex, bool timed = false, uintptr_t fp = 0);
void AfterCondWait(const ReentryGuard& g, ThreadState* ts, CondWaitOp* op, int rc);
// `fp`: the interceptor's frame (LOCKSCOPE_FRAME), 0 if unknown. A signal that finds no waiter
// is lost-wakeup evidence (CondEntry::lost_who/lost_ns); a run of them from one thread and call
// site keeps the first one's time and costs no store after it (CondMemo).
void OnCondSignal(const ReentryGuard& g, ThreadState* ts, const void* cond, bool broadcast,
                  uintptr_t fp = 0);
// CondSignalFast, for a condvar this thread signalled before: cond_signal.h.
void OnCondInitOrDestroy(const ReentryGuard& g, const void* cond);

// Waits on other objects (sem, barrier): slot blocked around the real call.
void BeginObjectWait(const ReentryGuard& g, ThreadState* ts, trace::WaitKind kind,
                     const void* object, bool timed = false);
void EndObjectWait(const ReentryGuard& g, ThreadState* ts);

// Channel waits (kFd): blocking I/O on a pipe-like fd, or a wait in an annotated user channel
// (channel_waits.cpp holds the policy; these write the slot).
struct ChannelWait {
  uint64_t ident = 0;      // 0: nothing shown
  int32_t fd = -1;         // -1: a user channel
  uint8_t kind = 0;        // trace::ChannelKind
  uint8_t dir = 0;         // trace::ChannelOp
  uint8_t wait_flags = 0;  // kWaitShared (external), kWaitTimed (a nested timed wait)
  uint32_t stack_id = 0;
  uint64_t since_ns = 0;   // the rest is filled by PublishChannelWait(fresh = true)
  uint64_t object_epoch = 0;
  uint64_t wake_epoch = 0;
};
// Shows `w` in the slot (kFd). `fresh`: a new wait (time and wake epochs taken now); else the
// saved ones are shown again (a user channel wait after a nested wait ended).
void PublishChannelWait(ThreadState* ts, ChannelWait* w, bool fresh);
// Something that may end the waits of `ident` in direction `waiters` happens now.
void BumpChannelWake(ThreadState* ts, uint64_t ident, trace::ChannelOp waiters);
// The call site of the intercepted call (cached per site), for wait stacks.
uint32_t WaitSiteStackId(const ReentryGuard& g, ThreadState* ts, uint32_t tag);
// The user channel wait this thread is in (LOCKSCOPE_CHANNEL_*_WAIT_BEGIN .. _END), ident 0 if
// none. While it lasts, the slot keeps showing it through nested condvar, semaphore and barrier
// waits (the channel's implementation); lock waits, joins and fd waits show and then give the
// slot back to it.
extern __thread ChannelWait t_user_wait __attribute__((tls_model("initial-exec")));

// --- helpers shared with thread_lifecycle.cpp and lock_stats.cpp
void WriteMisuse(const ReentryGuard& g, ThreadState* ts, trace::MisuseKind kind, uintptr_t object,
                 uint32_t lock_id, uint32_t stack_id, uint32_t other_tid, uint32_t other_id);
void PushHeld(ThreadState* ts, const HeldLock& h);
void MirrorHeld(ThreadState* ts, uint32_t from);
void ClearDedup(ThreadState* ts);

extern __thread bool t_thread_done __attribute__((tls_model("initial-exec")));

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_THREAD_STATE_H_
