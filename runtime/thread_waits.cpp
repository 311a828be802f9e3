// thread_waits.cpp — the waits a thread slot shows (condvar, barrier/semaphore, channel), the
// wake epochs that tell a reader whether a waiter could have been woken, and condvar signals
// (lost-wakeup evidence). Lock waits go through the same SetWait/ClearWait (thread_state.cpp).
// Same rules as thread_state.h: own thread only, no malloc, errno preserved.

#include <cerrno>

#include "cond_signal.h"
#include "lock_stats.h"
#include "lock_table.h"
#include "runtime.h"
#include "stack_table.h"
#include "thread_state.h"
#include "thread_state_internal.h"
#include "trace_writer.h"

namespace lockscope {
namespace rt {

using trace::LockMode;

void SetWait(ThreadState* ts, trace::WaitKind kind, uint32_t lock_id, uint64_t object,
             uint32_t stack_id, uint8_t mode, uint8_t wait_flags, uint64_t since_ns) {
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

namespace {

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

std::atomic<uint64_t> g_wake_bases{0};  // the wake stamps' bases (cond_signal.h, TakeWakeStamp)

void NoteWaitEpoch(ThreadState* ts, uintptr_t object) {
  if (!ts->slot || t_user_wait.ident != 0) return;  // the slot shows the channel's epoch
  if (uint64_t* b = WakeBucketOf(object)) {
    ts->slot->wait_object_epoch = __atomic_load_n(b, __ATOMIC_SEQ_CST);
  }
  if (uint64_t* e = WakeEpoch()) ts->slot->wait_wake_epoch = __atomic_load_n(e, __ATOMIC_SEQ_CST);
}

}  // namespace

// The thread's first wake stamp, or the first after its count wrapped: a new base, count 1
// (TakeWakeStamp). A signal handler that stamps between the two steps takes a base of its own.
__attribute__((noinline)) uint64_t NewWakeStamp(ThreadState* ts) {
  const uint64_t stamp = (g_wake_bases.fetch_add(1, std::memory_order_relaxed) + 1) << 32 | 1;
  __atomic_store_n(&ts->wake_stamp, stamp, __ATOMIC_RELAXED);
  return stamp;
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

// The stack id of the calling site for an operation that is not an acquisition (`tag` names it:
// a condvar wait, an object wait): from the site cache when this call site was seen before, else
// captured once. Condvar waits are as frequent as locks in a thread pool; backtrace() on each
// one would cost microseconds.
uint32_t SiteStackId(const ReentryGuard& g, ThreadState* ts, uintptr_t fp, uint64_t tag,
                     SiteChain* chain) {
  uint64_t site = CallSiteKey(fp, ts->stack_lo, ts->stack_hi, nullptr, nullptr, chain);
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

namespace {

// The memo slot of `caddr` (CondMemo, thread_state.h), filled from the condvar table on first
// use; null when the table has no entry for it (and `create` is false) or is full.
__attribute__((noinline)) CondMemo* NewCondMemo(CondMemo* m, uintptr_t caddr, bool create) {
  CondEntry* c = FindCond(caddr, create);
  if (!c) return nullptr;
  *m = CondMemo{caddr, c, 0, 0, 0};
  return m;
}

inline CondMemo* CondMemoOf(ThreadState* ts, uintptr_t caddr, bool create) {
  CondMemo* m = CondMemoSlot(ts, caddr);
  return m->cond == caddr ? m : NewCondMemo(m, caddr, create);
}

constexpr uint64_t kCondWaitTag = 0xc0dd0001;

// The stack id of a condvar wait from the interceptor frame `fp` (WaitMemo, thread_state.h);
// `*memo` is left pointing at the memo entry that now describes this call site, or null.
uint32_t CondWaitStackId(const ReentryGuard& g, ThreadState* ts, uintptr_t fp, WaitMemo** memo) {
  const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
  const uintptr_t ret = frame[1];
  // Two ways: the sites behind one wait wrapper share their innermost frame (fp and ret).
  static_assert(ThreadState::kWaitMemo == 16);
  WaitMemo* set = &ts->wait_memo[(((fp >> 4 ^ ret) * 0x9e3779b97f4a7c15ull) >> 61) * 2];
  for (WaitMemo* w = set; w != set + 2; ++w) {
    if (w->fp == fp && SiteChainHolds(frame, w->ret, w->f, w->r, w->n)) {
      *memo = w;
      return w->stack_id;
    }
  }
  WaitMemo* w = set[0].fp == fp && set[0].ret == ret ? &set[1] : &set[0];
  SiteChain chain;
  const uint32_t stack_id = SiteStackId(g, ts, fp, kCondWaitTag, &chain);
  // Only a key that starts at this frame and spans what SiteChain keeps can be re-checked.
  if (chain.n == 0 || chain.n > 5 || chain.fp != fp) {
    *memo = nullptr;
    return stack_id;
  }
  *w = WaitMemo{fp, chain.ret, {}, {}, chain.n, stack_id, 0, 0, 0};
  memcpy(w->f, chain.f, sizeof(w->f));
  memcpy(w->r, chain.r, sizeof(w->r));
  *memo = w;
  return stack_id;
}

// The reacquire edge of a wait (held set without the mutex -> mutex), written before blocking
// unless `w` knows it is in the trace for this epoch and held set.
void WriteReacquireEdge(const ReentryGuard& g, ThreadState* ts, WaitMemo* w, uint32_t mutex_id,
                        uint32_t stack_id) {
  if (w && w->mutex_id == mutex_id && w->epoch == ts->epoch && w->ctx == ts->held_ctx &&
      !g_flags.full_events) {
    return;
  }
  WriteAcquire(g, ts, mutex_id, stack_id, static_cast<uint8_t>(LockMode::kExclusive), 0);
  if (w) {
    w->mutex_id = mutex_id;
    w->epoch = ts->epoch;
    w->ctx = ts->held_ctx;
  }
}

}  // namespace

void BeforeCondWait(const ReentryGuard& g, ThreadState* ts, CondWaitOp* op, const void* cond,
                    const void* mutex, bool timed, uintptr_t fp) {
  ErrnoSaver es;
  const uintptr_t maddr = reinterpret_cast<uintptr_t>(mutex);
  const uintptr_t caddr = reinterpret_cast<uintptr_t>(cond);
  WaitMemo* memo = nullptr;
  const uint32_t stack_id =
      fp ? CondWaitStackId(g, ts, fp, &memo)
         : SiteStackId(g, ts, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)),
                       kCondWaitTag);
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
  CondMemo* m = CondMemoOf(ts, caddr, true);
  CondEntry* c = m ? m->entry : nullptr;
  if (c) {
    // The first wait associates the mutex; later ones only read (no read-modify-write on a line
    // every waiter and signaller of this condvar shares).
    uint64_t assoc = c->mutex_addr.load(std::memory_order_acquire);
    if (assoc == 0) {
      if (c->mutex_addr.compare_exchange_strong(assoc, maddr, std::memory_order_acq_rel)) {
        c->mutex_id.store(mutex_id, std::memory_order_relaxed);
        assoc = maddr;
      }  // else another thread associated it first: `assoc` is its mutex
    }
    uint32_t zero = 0;
    if (assoc != maddr && c->reported.compare_exchange_strong(zero, 1, std::memory_order_relaxed)) {
      WriteMisuse(g, ts, trace::MisuseKind::kCondTwoMutexes, caddr,
                  c->mutex_id.load(std::memory_order_relaxed), stack_id, 0, mutex_id);
    }
  }
  if (op->had) WriteReacquireEdge(g, ts, memo, mutex_id, stack_id);
  NoteWaitEpoch(ts, caddr);
  if (trace::ThreadSlot* s = ts->slot) {
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

namespace {

// A signal nobody waits for: remember who sent it, from where and when.
__attribute__((noinline)) void RecordLostSignal(const ReentryGuard& g, ThreadState* ts,
                                                CondMemo* m, uintptr_t fp) {
  ErrnoSaver es;
  uint32_t stack_id = SiteStackId(g, ts, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)),
                                  0xc0dd0002);
  const uint64_t who = uint64_t{ts->tid} << 32 | stack_id;
  m->who = fp ? who : 0;  // without the call site no later signal can match it (SignalSettled)
  m->site_ret = fp ? reinterpret_cast<const uintptr_t*>(fp)[1] : 0;
  m->site_fp = fp;
  m->entry->lost_ns.store(MonotonicNs(), std::memory_order_relaxed);
  m->entry->lost_who.store(who, std::memory_order_release);
}

}  // namespace

void OnCondSignal(const ReentryGuard& g, ThreadState* ts, const void* cond, bool, uintptr_t fp) {
  const auto caddr = reinterpret_cast<uintptr_t>(cond);
  BumpWakeEpoch(ts, caddr);  // a waiter may be woken: not stuck
  const bool waiters = CondHasWaiters(cond);
  CondMemo* m = CondMemoOf(ts, caddr, !waiters);  // a lost signal creates the entry
  if (m && !SignalSettled(m, waiters, fp)) RecordLostSignal(g, ts, m, fp);
}

void OnCondInitOrDestroy(const ReentryGuard&, const void* cond) {
  ErrnoSaver es;
  ForgetCond(reinterpret_cast<uintptr_t>(cond));
}

void BeginObjectWait(const ReentryGuard& g, ThreadState* ts, trace::WaitKind kind,
                     const void* object, bool timed) {
  ErrnoSaver es;
  uint32_t stack_id = SiteStackId(g, ts, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)),
                                  0x0b1e0000u | static_cast<uint8_t>(kind));
  bool shared = kind == trace::WaitKind::kBarrier && BarrierIsProcessShared(object);
  if (kind == trace::WaitKind::kBarrier) {
    BumpWakeEpoch(ts, reinterpret_cast<uintptr_t>(object));  // may release the others
    NoteWaitEpoch(ts, reinterpret_cast<uintptr_t>(object));
  }
  SetWait(
      ts, kind, 0, reinterpret_cast<uintptr_t>(object), stack_id, 0,
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
