// cond_signal.h — the signal path of a condvar this thread signalled before, and the wake stamp.
//
// Why: a thread pool signals its condvar once per job, as often as it locks. The general path
// (OnCondSignal, under a ScopedInterceptor) cost ~72 instructions a signal; this one, ~44, is
// inlined into the pthread_cond_signal/broadcast interceptors and does what the usual signal needs:
//
//   the thread's CondMemo slot for the condvar (thread_state.h); the lost-signal check: with a
//   waiter there, stale evidence is cleared; with nobody waiting, the evidence must already name
//   this thread and call site (a busy pool signals with nobody waiting on every job); and the
//   wake stamp (below). A memo miss or a lost signal to record takes the general path.
//
// No re-entry depth is raised here: nothing on this path calls out, and what a signal handler's
// own signal could interleave with is the stamp (taken by one instruction, so each signal gets its
// own) and the memo's reads (a stale read makes the evidence older or clears it, as a racing
// signal from another thread would).

#ifndef LOCKSCOPE_RUNTIME_COND_SIGNAL_H_
#define LOCKSCOPE_RUNTIME_COND_SIGNAL_H_

#include <pthread.h>

#include <cstdint>

#include "internal/reentry_guard.h"
#include "lock_table.h"
#include "runtime.h"
#include "thread_state.h"
#include "trace_writer.h"

namespace lockscope {
namespace rt {

// The next wake stamp when the thread has none yet or its low half wrapped (thread_waits.cpp).
uint64_t NewWakeStamp(ThreadState* ts);

// A value no other wake-up in this trace writes: the thread's base (high half, from a
// process-wide counter, taken once per 2^32 wake-ups) plus its own count. One unlocked xadd on
// x86-64: a signal handler that stamps in between gets the next value, never the same one.
// False when the count has no base yet or wrapped into the next base (which another thread may
// own): the thread's count is then reset and NewWakeStamp, out of line, takes a base.
inline bool TryTakeWakeStamp(ThreadState* ts, uint64_t* out) {
  uint64_t stamp = 1;
#if defined(__x86_64__)
  asm volatile("xaddq %0, %1" : "+r"(stamp), "+m"(ts->wake_stamp));
#else
  stamp = __atomic_fetch_add(&ts->wake_stamp, 1, __ATOMIC_RELAXED);
#endif
  ++stamp;
  // Low half 1: no base yet (NewWakeStamp stores base | 1, so the count's next value is 2);
  // low half 0: wrapped.
  if (__builtin_expect(static_cast<uint32_t>(stamp) <= 1, 0)) {
    __atomic_store_n(&ts->wake_stamp, 0, __ATOMIC_RELAXED);
    return false;
  }
  *out = stamp;
  return true;
}

inline uint64_t TakeWakeStamp(ThreadState* ts) {
  uint64_t stamp;
  return TryTakeWakeStamp(ts, &stamp) ? stamp : NewWakeStamp(ts);
}

// FileHeader::wake_epoch and the wake table (trace_format.h): changed by every wake-up (cond
// signal/broadcast, barrier arrival) and copied into the slot when a cond/barrier wait begins,
// *before* the wait is published, so a reader (watchdog, analyzer) that sees an equal value knows
// nothing could have woken the waiter since; a signalled waiter that has not run yet still looks
// blocked otherwise. The per-object bucket keeps other condvars' traffic from hiding a stuck one.
// Plain stores of unique values instead of atomic increments: no read-modify-write on lines every
// signaller and waiter shares. Readers only compare for equality; a late store of an older stamp
// makes a waiter look possibly woken (a miss), never unwoken, since the snapshot's own value is
// written once.
inline void StoreWakeStamp(trace::FileHeader* h, uintptr_t object, uint64_t stamp) {
  auto* table =
      reinterpret_cast<uint64_t*>(reinterpret_cast<uint8_t*>(h) + trace::kWakeTableOffset);
  // Release: before the real signal/barrier call, which orders its own wake-up after it.
  __atomic_store_n(&table[trace::WakeBucket(object)], stamp, __ATOMIC_RELEASE);
  __atomic_store_n(&h->wake_epoch, stamp, __ATOMIC_RELEASE);
}

inline void BumpWakeEpoch(ThreadState* ts, uintptr_t object) {
  if (trace::FileHeader* h = g_writer.header()) StoreWakeStamp(h, object, TakeWakeStamp(ts));
}

inline CondMemo* CondMemoSlot(ThreadState* ts, uintptr_t caddr) {
  return &ts->cond_memo[(caddr >> 6 ^ caddr >> 12) & (ThreadState::kCondMemo - 1)];
}

// glibc >= 2.25 keeps the number of waiters in __wrefs >> 3 (nptl/pthread_cond_common.c; its own
// signal returns at once when it is 0): a signal that finds none wakes nobody, it is lost.
inline bool CondHasWaiters(const void* cond) {
  const auto* c = static_cast<const pthread_cond_t*>(cond);
  return (__atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) >> 3) != 0;
}

// Whether the memo settles a signal on its condvar: a waiter is there (stale lost-signal
// evidence is cleared), or nobody waits and the evidence already names this thread and call site:
// it keeps the first signal's time, no clock read, no store. False: a lost signal to record.
// RecordLostSignal leaves m->who 0 when it had no frame, so a match implies fp != 0.
inline bool SignalSettled(const CondMemo* m, bool waiters, uintptr_t fp) {
  CondEntry* c = m->entry;
  const uint64_t who = c->lost_who.load(std::memory_order_relaxed);
  if (waiters) {
    if (who != 0) c->lost_who.store(0, std::memory_order_relaxed);
    return true;
  }
  return who != 0 && who == m->who && m->site_fp == fp &&
         m->site_ret == reinterpret_cast<const uintptr_t*>(fp)[1];
}

// The signal/broadcast interceptors' first step. False, having done nothing: take OnCondSignal
// (no thread state yet, re-entry, runtime off, memo miss, a lost signal to record, a new stamp
// base to take; the last two may have cleared stale evidence or the stamp count). Nothing here
// calls out, so the interceptor keeps no registers across it and ends in a jump to the real call.
// The mode is checked (unlike the lock hot path): a lost signal writes to the trace.
__attribute__((always_inline)) inline bool CondSignalFast(const void* cond, uintptr_t fp) {
  if (__builtin_expect(t_tls.gate != 0 || !RuntimeActive(), 0)) return false;
  ThreadState* ts = t_tls.state;
  const auto caddr = reinterpret_cast<uintptr_t>(cond);
  CondMemo* m = CondMemoSlot(ts, caddr);
  if (m->cond != caddr) return false;  // first signal here: the general path fills the memo
  if (!SignalSettled(m, CondHasWaiters(cond), fp)) return false;
  // A waiter may be woken: not stuck.
  trace::FileHeader* h = g_writer.header();
  uint64_t stamp;
  if (h == nullptr || !TryTakeWakeStamp(ts, &stamp)) return false;
  StoreWakeStamp(h, caddr, stamp);
  return true;
}

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_COND_SIGNAL_H_
